package import CfgAWS
package import CfgAWSAuth
import CfgBackend
package import CfgConfig
import CfgHTTP
package import CfgSecure
import Logging

/// The AWS Secrets Manager backend: its settings from `backend:`, the standard variables and `~/.aws`.
extension BackendFactory {
    /// The name the environment file gives the profile, in messages of the credential chain.
    static let awsProfileSetting = "backend.profile"

    /// The Secrets Manager backend's settings, where the region came from (a variable, `backend.region` or a file
    /// line, for messages), and what the user should be warned about (an unencrypted endpoint).
    ///
    /// Precedence, field by field (the variables win over the environment file, as they do for Vault, because a
    /// pod's or CI job's variables describe where it actually runs):
    /// * profile: `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, `backend.profile`, `default`;
    /// * region: `AWS_REGION`, `AWS_DEFAULT_REGION`, `backend.region`, the profile's `region`;
    /// * Secrets Manager: `AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL`, `backend.endpoint`,
    ///   `https://secretsmanager.REGION.amazonaws.com`;
    /// * STS: `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, `https://sts.REGION.amazonaws.com`;
    /// * the IAM Identity Center portal of SSO profiles: `AWS_ENDPOINT_URL_SSO`, `AWS_ENDPOINT_URL`,
    ///   `https://portal.sso.SSO_REGION.amazonaws.com` (the profile's `sso_region`).
    ///
    /// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` ignores the endpoint variables. `AWS_CA_BUNDLE` and the proxy
    /// variables set the transport's options. A pure function of its inputs: the shared files are read through an
    /// injected reader from the paths the injected environment names.
    ///
    /// - Parameters:
    ///   - config: the environment file's `backend:`.
    ///   - processEnvironment: the process environment (injected).
    ///   - readFile: reads the shared files (injected; the default reads them into guarded memory).
    /// - Throws: `.configuration` naming the variable, field or file line that holds an unusable value, or saying
    ///   how to set the region when none is known.
    package static func awsSettings(
        _ config: AWSBackendConfig,
        processEnvironment: [String: String],
        readFile: AWSSharedConfig.FileReader = SecureFile.readCredentialFile
    ) throws(EngineError) -> (settings: AWSSettings, regionSource: String, warnings: [String]) {
        let sharedConfig = try awsConfiguration { () throws(AWSCredentialError) in
            try AWSSharedConfig.load(processEnvironment: processEnvironment, readFile: readFile)
        }
        var warnings: [String] = []

        let profile: String
        let profileSource: AWSCredentialSettings.ProfileSource
        if let (name, value) = awsVariable(["AWS_PROFILE", "AWS_DEFAULT_PROFILE"], in: processEnvironment) {
            (profile, profileSource) = (value, .variable(name))
        } else if let value = config.profile, !value.isEmpty {
            (profile, profileSource) = (value, .setting(awsProfileSetting))
        } else {
            (profile, profileSource) = ("default", .implicitDefault)
        }

        let regionChoice: (value: String, source: String)
        if let (name, value) = awsVariable(["AWS_REGION", "AWS_DEFAULT_REGION"], in: processEnvironment) {
            regionChoice = (value, name)
        } else if let value = config.region, !value.isEmpty {
            regionChoice = (value, "backend.region")
        } else if let value = sharedConfig.profiles[profile]?.value("region") {
            regionChoice = (value.text, "region in profile '\(profile)' (\(value.location))")
        } else {
            throw EngineError(
                .configuration,
                "No AWS region is set; set AWS_REGION or `backend.region` in the environment file "
                    + "(or `region` in the profile '\(profile)' in \(sharedConfig.configFile))."
            )
        }
        let region = try awsConfiguration { () throws(AWSCredentialError) in
            try AWSEndpoint.validatedRegion(regionChoice.value, source: regionChoice.source)
        }

        let ignoreVariables = processEnvironment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() == "true"
        let endpointVariables = ignoreVariables ? [:] : processEnvironment
        let secretsManager: (url: String, source: String)
        if let (name, value) = awsVariable(
            ["AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL"],
            in: endpointVariables
        ) {
            secretsManager = (try awsEndpoint(value, source: name), name)
        } else if let value = config.endpoint, !value.isEmpty {
            secretsManager = (try awsEndpoint(value, source: "backend.endpoint"), "backend.endpoint")
        } else {
            secretsManager = (
                AWSEndpoint.defaultURL(service: "secretsmanager", region: region), "the default endpoint"
            )
        }
        let sts: (url: String, source: String)
        if let (name, value) = awsVariable(["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"], in: endpointVariables) {
            sts = (try awsEndpoint(value, source: name), name)
        } else {
            sts = (AWSEndpoint.defaultURL(service: "sts", region: region), "the default endpoint")
        }
        var sso: (url: String, source: String)?
        if let (name, value) = awsVariable(["AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL"], in: endpointVariables) {
            sso = (try awsEndpoint(value, source: name), name)
        }
        // The portal is warned about only for a profile that uses it.
        let usesSSO =
            sharedConfig.profiles[profile].map { profile in
                ["sso_session", "sso_start_url"].contains { profile.contains($0) }
            } ?? false
        let ssoWarning = usesSSO ? sso.map { [("IAM Identity Center", $0)] } ?? [] : []
        let endpoints = [("Secrets Manager", secretsManager), ("STS", sts)] + ssoWarning
        for (what, endpoint) in endpoints
        where endpoint.url.hasPrefix("http://") && !AWSEndpoint.isLoopback(AWSEndpoint.host(of: endpoint.url)) {
            warnings.append(
                "The \(what) endpoint \(endpoint.url) (\(endpoint.source)) is plain http: credentials and secrets "
                    + "cross the network unencrypted"
            )
        }

        let settings = AWSSettings(
            region: region,
            secretsManagerEndpoint: secretsManager.url,
            credentials: AWSCredentialSettings(
                profile: profile,
                profileSource: profileSource,
                profileSetting: awsProfileSetting,
                region: region,
                stsEndpoint: sts.url,
                sharedConfig: sharedConfig,
                ssoEndpoint: sso?.url
            ),
            http: AWSSettings.http(
                caFile: processEnvironment["AWS_CA_BUNDLE"].flatMap { $0.isEmpty ? nil : $0 },
                proxy: ProxySettings.fromEnvironment(processEnvironment)
            ),
            creation: SecretCreationOptions(
                kmsKeyID: config.kmsKeyID,
                tags: config.tags.map { SecretCreationOptions.Tag($0.key, $0.value) }
            )
        )
        return (settings, regionChoice.source, warnings)
    }

    /// The credential chain's settings for a client other than Secrets Manager (Vault's `aws` login), resolved as
    /// ``awsSettings(_:processEnvironment:readFile:)`` resolves them with `region` as the file's `backend.region`.
    static func awsCredentialSettings(
        region: String,
        processEnvironment: [String: String]
    ) throws(EngineError) -> AWSCredentialSettings {
        try awsSettings(
            AWSBackendConfig(region: region, profile: nil, endpoint: nil),
            processEnvironment: processEnvironment
        ).settings.credentials
    }

    /// `AWS_MAX_ATTEMPTS`: tries per call, the first included; the SDKs' standard retry mode (3) when unset.
    ///
    /// - Throws: `.configuration` when it is not a whole number of at least 1.
    static func awsMaxAttempts(_ processEnvironment: [String: String]) throws(EngineError) -> Int {
        guard let raw = processEnvironment["AWS_MAX_ATTEMPTS"] else { return AWSSettings.defaultMaxAttempts }
        guard let value = Int(raw), value >= 1 else {
            throw EngineError(.configuration, "AWS_MAX_ATTEMPTS must be a whole number of at least 1, not '\(raw)'.")
        }
        return value
    }

    /// An AWS Secrets Manager backend over its own libcurl transport, with the standard credential chain.
    static func makeAWS(
        _ environment: EnvironmentFile,
        config: AWSBackendConfig,
        processEnvironment: [String: String],
        logger: Logger
    ) throws(EngineError) -> any SecretBackend {
        var settings: AWSSettings
        let warnings: [String]
        do {
            (settings, _, warnings) = try awsSettings(config, processEnvironment: processEnvironment)
        } catch {
            throw EngineError(.configuration, "\(environment.file): \(error.description)")
        }
        for warning in warnings {
            logger.warning("\(warning)")
        }
        settings.maxAttempts = try awsMaxAttempts(processEnvironment)
        settings.creation.secretDescription = secretDescription(environment: environment.name)
        let transport: CurlTransport
        do {
            transport = try CurlTransport(options: settings.http)
        } catch {
            throw EngineError(.backend, "\(environment.file): the HTTP transport could not start: \(error.description)")
        }
        return AWSBackend(
            settings: settings,
            transport: transport,
            processEnvironment: processEnvironment,
            release: { transport.shutdown() }
        )
    }

    /// The `Description` of the secrets cfg creates: it says which tool and environment own them, for whoever finds
    /// them in the console.
    package static func secretDescription(environment: String) -> String {
        "Managed by cfg (environment \(environment))"
    }

    /// The first of `names` that is set to a non-empty value.
    private static func awsVariable(_ names: [String], in processEnvironment: [String: String]) -> (String, String)? {
        for name in names {
            if let value = processEnvironment[name], !value.isEmpty { return (name, value) }
        }
        return nil
    }

    /// A checked endpoint URL without its trailing `/`.
    private static func awsEndpoint(_ text: String, source: String) throws(EngineError) -> String {
        try awsConfiguration { () throws(AWSCredentialError) in try AWSEndpoint.validated(text, source: source) }
    }

    /// Runs a check of the AWS auth layer; its failure becomes a configuration error with the same sentence.
    private static func awsConfiguration<T>(
        _ body: () throws(AWSCredentialError) -> T
    ) throws(EngineError) -> T {
        do {
            return try body()
        } catch {
            throw EngineError(.configuration, error.message)
        }
    }
}
