package import CfgBackend
package import CfgConfig
package import CfgHTTP

/// Everything the Vault backend needs, resolved from the environment file and the standard variables.
///
/// Precedence, field by field: `BAO_X`, then `VAULT_X` (a set `BAO_X` wins even when empty, as OpenBao's own
/// client does), then the environment file, then the default. The variables win over the file because that is
/// how Vault's and OpenBao's own tools treat them (a pod's `VAULT_ADDR` points at the cluster's Vault). Auth is
/// the exception: an `auth:` method in the file is used as written; without one, the token comes from
/// `BAO_TOKEN`/`VAULT_TOKEN`, then `~/.vault-token`.
package struct VaultSettings: Sendable {
    /// `https://vault.example:8200`, without a trailing `/`.
    package var address: String
    /// `X-Vault-Namespace`; nil for the root namespace.
    package var namespace: String?
    /// The KV mount secret paths are relative to.
    package var mount: String
    package var kvVersion: Int
    /// TLS, proxies and timeouts for the transport.
    package var http: HTTPClientOptions
    /// Retries after a 412 or a 5xx other than 501.
    package var maxRetries: Int
    package var auth: VaultAuth
    /// Things the user should know (verification turned off); printed as warnings, never containing values.
    package var warnings: [String]

    /// The default address, as Vault's client has it.
    package static let defaultAddress = "https://127.0.0.1:8200"
    /// Vault's client default (`VAULT_MAX_RETRIES`).
    package static let defaultMaxRetries = 2
    /// Vault's client default (`VAULT_CLIENT_TIMEOUT`).
    package static let defaultTimeoutSeconds = 60

    /// Resolves the settings.
    ///
    /// - Parameters:
    ///   - config: the environment file's `backend:`.
    ///   - environment: the process environment (injected).
    ///   - resolvePath: turns a path written in the environment file into an absolute one.
    /// - Throws: `.invalidRequest` naming the variable or field that holds an unusable value.
    package static func resolve(
        config: VaultBackendConfig,
        environment: [String: String],
        resolvePath: (String) -> String
    ) throws(BackendError) -> VaultSettings {
        let variables = StandardVariables(environment: environment)
        var warnings: [String] = []

        let (addressText, addressSource) =
            variables.value("ADDR").map { ($0.value, $0.name) }
            ?? config.address.map { ($0, "backend.address") } ?? (defaultAddress, "the default address")
        let address = try validatedAddress(addressText, source: addressSource)

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
                throw .vaultSetting(skip.name, "must be true or false (1, t, true, 0, f, false)")
            }
            tls.verify = !flag
        }
        if (tls.clientCertificate == nil) != (tls.clientKey == nil) {
            throw .vaultSetting(
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

        var timeout = config.timeoutSeconds ?? defaultTimeoutSeconds
        if let variable = variables.value("CLIENT_TIMEOUT") {
            guard let seconds = Int(variable.value) ?? DurationSpec.seconds(from: variable.value), seconds > 0 else {
                throw .vaultSetting(variable.name, "must be a number of seconds or a duration such as 30s")
            }
            timeout = seconds
        }
        var maxRetries = config.maxRetries ?? defaultMaxRetries
        if let variable = variables.value("MAX_RETRIES") {
            guard let count = Int(variable.value), (0...10).contains(count) else {
                throw .vaultSetting(variable.name, "must be a whole number from 0 to 10")
            }
            maxRetries = count
        }

        let http = HTTPClientOptions(
            tls: tls,
            proxy: ProxySettings.fromEnvironment(environment),
            connectTimeout: .seconds(min(10, timeout)),
            totalTimeout: .seconds(timeout)
        )
        return VaultSettings(
            address: address,
            namespace: namespace,
            mount: config.mount,
            kvVersion: config.kvVersion,
            http: http,
            maxRetries: maxRetries,
            auth: VaultAuth.resolve(
                config.auth,
                variables: variables,
                environment: environment,
                resolvePath: resolvePath
            ),
            warnings: warnings
        )
    }

    /// An `http://` or `https://` address with a host; the trailing `/` removed.
    private static func validatedAddress(_ text: String, source: String) throws(BackendError) -> String {
        var address = text
        while address.hasSuffix("/") { address.removeLast() }
        let lower = address.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            throw .vaultSetting(source, "must be an http:// or https:// address (it is '\(text)')")
        }
        let rest = address.drop { $0 != "/" }.drop { $0 == "/" }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("?"), !rest.contains("@") else {
            throw .vaultSetting(source, "must be scheme://host[:port] without a path, query or user (it is '\(text)')")
        }
        return address
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

/// The standard variables, `BAO_X` before `VAULT_X`.
struct StandardVariables {
    var environment: [String: String]

    /// The value and the variable's name; nil when neither is set or the chosen one is empty.
    func value(_ suffix: String) -> (name: String, value: String)? {
        for prefix in ["BAO_", "VAULT_"] {
            let name = prefix + suffix
            if let value = environment[name] {
                return value.isEmpty ? nil : (name, value)
            }
        }
        return nil
    }
}

/// How the backend gets its token, resolved.
package enum VaultAuth: Sendable, Hashable {
    /// A token read from a variable or a file; cfg did not create it and never revokes it.
    case token(TokenSource)
    case appRole(mount: String, roleID: CredentialSource, secretID: CredentialSource?)
    case jwt(mount: String, role: String?, tokenFile: String)
    /// AWS IAM login: a signed `sts:GetCallerIdentity` request (see ``VaultAWSLogin``); credentials come from the
    /// AWS credential provider the backend was given.
    case aws(mount: String, role: String?, region: String?, serverID: String?)

    /// Where a given token comes from.
    package enum TokenSource: Sendable, Hashable {
        case variable(String)
        case file(String)
        /// `~/.vault-token`, the fallback when nothing else names a token.
        case homeFile(String)
        /// Nothing found: the error is raised when a token is first needed.
        case missing
    }

    /// The method's word, for messages.
    package var method: String {
        switch self {
        case .token: "token"
        case .appRole: "approle"
        case .jwt: "jwt"
        case .aws: "aws"
        }
    }

    static func resolve(
        _ config: VaultAuthConfig?,
        variables: StandardVariables,
        environment: [String: String],
        resolvePath: (String) -> String
    ) -> VaultAuth {
        switch config {
        case .token(let file?):
            return .token(.file(resolvePath(file)))
        case .token(nil), nil:
            if let variable = variables.value("TOKEN") { return .token(.variable(variable.name)) }
            if let home = environment["HOME"], !home.isEmpty {
                return .token(.homeFile(home.hasSuffix("/") ? home + ".vault-token" : home + "/.vault-token"))
            }
            return .token(.missing)
        case .appRole(let mount, let roleID, let secretID):
            return .appRole(
                mount: mount,
                roleID: resolved(roleID, resolvePath),
                secretID: secretID.map { resolved($0, resolvePath) }
            )
        case .jwt(_, let mount, let role, let tokenFile):
            return .jwt(mount: mount, role: role, tokenFile: resolvePath(tokenFile))
        case .aws(let mount, let role, let region, let serverID):
            return .aws(mount: mount, role: role, region: region, serverID: serverID)
        }
    }

    private static func resolved(_ source: CredentialSource, _ resolvePath: (String) -> String) -> CredentialSource {
        if case .file(let path) = source { return .file(resolvePath(path)) }
        return source
    }
}
