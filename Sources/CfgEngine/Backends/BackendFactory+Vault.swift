import CfgAWSAuth
import CfgBackend
package import CfgConfig
import CfgHTTP
package import CfgVault
import Logging

/// The Vault backend: its settings from `backend:` and the standard variables.
extension BackendFactory {
    /// The Vault backend's settings and what the user should be warned about (verification turned off).
    ///
    /// Precedence, field by field: `BAO_X`, then `VAULT_X` (a set `BAO_X` wins even when empty, as OpenBao's own
    /// client does), then the environment file, then the default. The variables win over the file because that is
    /// how Vault's and OpenBao's own tools treat them (a pod's `VAULT_ADDR` points at the cluster's Vault). Auth is
    /// the exception: an `auth:` method in the file is used as written; without one, the token comes from
    /// `BAO_TOKEN`/`VAULT_TOKEN`, then `~/.vault-token`.
    ///
    /// - Parameters:
    ///   - config: the environment file's `backend:`.
    ///   - processEnvironment: the process environment (injected).
    ///   - resolvePath: turns a path written in the environment file into an absolute one.
    /// - Throws: `.configuration` naming the variable or field that holds an unusable value.
    package static func vaultSettings(
        _ config: VaultBackendConfig,
        processEnvironment: [String: String],
        resolvePath: (String) -> String
    ) throws(EngineError) -> (settings: VaultSettings, warnings: [String]) {
        let variables = VaultVariables(processEnvironment: processEnvironment)
        var warnings: [String] = []

        let (addressText, addressSource) =
            variables.value("ADDR").map { ($0.value, $0.name) }
            ?? config.address.map { ($0, "backend.address") }
            ?? (VaultSettings.defaultAddress, "the default address")
        let address = try validatedVaultAddress(addressText, source: addressSource)

        let namespace = variables.value("NAMESPACE")?.value ?? config.namespace
        var tls = TLSOptions(
            caFile: variables.value("CACERT")?.value ?? config.tls.caCert.map(resolvePath),
            caPath: variables.value("CAPATH")?.value ?? config.tls.caPath.map(resolvePath),
            clientCertificate: variables.value("CLIENT_CERT")?.value ?? config.tls.clientCert.map(resolvePath),
            clientKey: variables.value("CLIENT_KEY")?.value ?? config.tls.clientKey.map(resolvePath),
            serverName: variables.value("TLS_SERVER_NAME")?.value ?? config.tls.serverName,
            verify: !config.tls.skipVerify
        )
        if let skip = variables.value("SKIP_VERIFY") {
            guard let flag = goBool(skip.value) else {
                throw vaultSettingError(skip.name, "must be true or false (1, t, true, 0, f, false)")
            }
            tls.verify = !flag
        }
        if (tls.clientCertificate == nil) != (tls.clientKey == nil) {
            throw vaultSettingError(
                "VAULT_CLIENT_CERT/VAULT_CLIENT_KEY",
                "a client certificate needs its key and a key its certificate"
            )
        }
        if !tls.verify, address.hasPrefix("https://") {
            warnings.append(
                "TLS verification of Vault at \(address) is turned off "
                    + "(\(variables.value("SKIP_VERIFY")?.name ?? "backend.tls.skip_verify")); anyone on the path "
                    + "can read the secrets"
            )
        }

        var timeout = config.timeoutSeconds ?? VaultSettings.defaultTimeoutSeconds
        if let variable = variables.value("CLIENT_TIMEOUT") {
            guard let seconds = Int(variable.value) ?? DurationSpec.seconds(from: variable.value), seconds > 0 else {
                throw vaultSettingError(variable.name, "must be a number of seconds or a duration such as 30s")
            }
            timeout = seconds
        }
        var maxRetries = config.maxRetries ?? VaultSettings.defaultMaxRetries
        if let variable = variables.value("MAX_RETRIES") {
            guard let count = Int(variable.value), (0...10).contains(count) else {
                throw vaultSettingError(variable.name, "must be a whole number from 0 to 10")
            }
            maxRetries = count
        }

        let settings = VaultSettings(
            address: address,
            namespace: namespace,
            mount: config.mount,
            kvVersion: config.kvVersion,
            http: VaultSettings.http(
                tls: tls,
                proxy: ProxySettings.fromEnvironment(processEnvironment),
                timeoutSeconds: timeout
            ),
            maxRetries: maxRetries,
            auth: vaultAuth(
                config.auth,
                variables: variables,
                processEnvironment: processEnvironment,
                resolvePath: resolvePath
            )
        )
        return (settings, warnings)
    }

    /// A Vault backend over its own libcurl transport; an `aws` login signs with the standard AWS credential chain.
    static func makeVault(
        _ environment: EnvironmentFile,
        config: VaultBackendConfig,
        processEnvironment: [String: String],
        logger: Logger
    ) throws(EngineError) -> any SecretBackend {
        let settings: VaultSettings
        let warnings: [String]
        do {
            (settings, warnings) = try vaultSettings(config, processEnvironment: processEnvironment) { path in
                PathResolution.absolute(path, in: environment.projectDirectory)
            }
        } catch {
            throw EngineError(.configuration, "\(environment.file): \(error.description)")
        }
        for warning in warnings {
            logger.warning("\(warning)")
        }
        let transport: CurlTransport
        do {
            transport = try CurlTransport(options: settings.http)
        } catch {
            throw EngineError(.backend, "\(environment.file): the HTTP transport could not start: \(error.description)")
        }
        var awsCredentials: (any AWSCredentialProvider)?
        if case .aws(_, _, let region, _) = settings.auth {
            // The chain that signs the login: the usual variables, profiles, container and instance credentials;
            // its STS region (for profile roles) defaults to the login's signing region.
            let aws: AWSCredentialSettings
            do {
                aws = try awsCredentialSettings(region: region ?? "us-east-1", processEnvironment: processEnvironment)
            } catch {
                transport.shutdown()
                throw EngineError(.configuration, "\(environment.file): \(error.description)")
            }
            awsCredentials = AWSCredentialChain.make(
                settings: aws,
                processEnvironment: processEnvironment,
                transport: transport
            )
        }
        return VaultBackend(
            settings: settings,
            transport: transport,
            processEnvironment: processEnvironment,
            awsCredentials: awsCredentials,
            releaseTransport: { transport.shutdown() }
        )
    }

    /// How the backend gets its token: the file's `auth:` with its paths made absolute, or a token from the
    /// variables, then `~/.vault-token`.
    private static func vaultAuth(
        _ config: VaultAuthConfig?,
        variables: VaultVariables,
        processEnvironment: [String: String],
        resolvePath: (String) -> String
    ) -> VaultAuth {
        func resolved(_ source: CredentialSource) -> VaultAuth.CredentialSource {
            switch source {
            case .file(let path): .file(resolvePath(path))
            case .variable(let name): .variable(name)
            case .literal(let value): .literal(value)
            }
        }
        switch config {
        case .token(let file?):
            return .token(.file(resolvePath(file)))
        case .token(nil), nil:
            if let variable = variables.value("TOKEN") { return .token(.variable(variable.name)) }
            if let home = processEnvironment["HOME"], !home.isEmpty {
                return .token(.homeFile(home.hasSuffix("/") ? home + ".vault-token" : home + "/.vault-token"))
            }
            return .token(.missing)
        case .appRole(let mount, let roleID, let secretID):
            return .appRole(mount: mount, roleID: resolved(roleID), secretID: secretID.map(resolved))
        case .jwt(_, let mount, let role, let tokenFile):
            return .jwt(mount: mount, role: role, tokenFile: resolvePath(tokenFile))
        case .aws(let mount, let role, let region, let serverID):
            return .aws(mount: mount, role: role, region: region, serverID: serverID)
        }
    }

    /// An `http://` or `https://` address with a host; the trailing `/` removed.
    private static func validatedVaultAddress(_ text: String, source: String) throws(EngineError) -> String {
        var address = text
        while address.hasSuffix("/") { address.removeLast() }
        let lower = address.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            throw vaultSettingError(source, "must be an http:// or https:// address (it is '\(text)')")
        }
        let rest = address.drop { $0 != "/" }.drop { $0 == "/" }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("?"), !rest.contains("@") else {
            throw vaultSettingError(
                source,
                "must be scheme://host[:port] without a path, query or user (it is '\(text)')"
            )
        }
        return address
    }

    /// `Vault setting SOURCE PROBLEM.`
    private static func vaultSettingError(_ source: String, _ problem: String) -> EngineError {
        EngineError(.configuration, "Vault setting \(source) \(problem).")
    }

    /// Go's `strconv.ParseBool`, which Vault uses for `VAULT_SKIP_VERIFY`.
    static func goBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": true
        case "0", "f", "F", "FALSE", "false", "False": false
        default: nil
        }
    }
}

/// Vault's standard variables, `BAO_X` before `VAULT_X`.
struct VaultVariables {
    var processEnvironment: [String: String]

    /// The value and the variable's name; nil when neither is set or the chosen one is empty.
    func value(_ suffix: String) -> (name: String, value: String)? {
        for prefix in ["BAO_", "VAULT_"] {
            let name = prefix + suffix
            if let value = processEnvironment[name] {
                return value.isEmpty ? nil : (name, value)
            }
        }
        return nil
    }
}
