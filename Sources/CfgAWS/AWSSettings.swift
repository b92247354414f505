package import CfgAWSAuth
package import CfgHTTP

/// Everything the Secrets Manager backend needs: its region and endpoint, the credential chain's settings, how
/// often to try a call, and the transport's options.
///
/// Plain values: cfg resolves them in one place from the environment file and the standard variables (region,
/// profile, endpoints, `AWS_MAX_ATTEMPTS`, `AWS_CA_BUNDLE`, proxies).
package struct AWSSettings: Sendable, CustomStringConvertible {
    /// The signing region of Secrets Manager calls.
    package var region: String
    /// `https://secretsmanager.eu-west-1.amazonaws.com`, without a trailing `/`.
    package var secretsManagerEndpoint: String
    /// Profile, STS endpoint and shared files for the credential chain.
    package var credentials: AWSCredentialSettings
    /// Tries per call, the first included (the SDKs' standard retry mode: 3).
    package var maxAttempts: Int
    /// TLS, proxies and timeouts of the transport.
    package var http: HTTPClientOptions
    /// Description, KMS key and tags of the secrets the backend creates.
    package var creation: SecretCreationOptions

    /// The SDKs' standard retry mode.
    package static let defaultMaxAttempts = 3

    /// The transport options of Secrets Manager calls: `caFile` (`AWS_CA_BUNDLE`) and proxies; 10 s to connect,
    /// 30 s for a request.
    package static func http(caFile: String? = nil, proxy: ProxySettings = .none) -> HTTPClientOptions {
        HTTPClientOptions(
            tls: TLSOptions(caFile: caFile),
            proxy: proxy,
            connectTimeout: .seconds(10),
            totalTimeout: .seconds(30)
        )
    }

    package init(
        region: String,
        secretsManagerEndpoint: String,
        credentials: AWSCredentialSettings,
        maxAttempts: Int = AWSSettings.defaultMaxAttempts,
        http: HTTPClientOptions = AWSSettings.http(),
        creation: SecretCreationOptions = SecretCreationOptions()
    ) {
        self.region = region
        self.secretsManagerEndpoint = secretsManagerEndpoint
        self.credentials = credentials
        self.maxAttempts = maxAttempts
        self.http = http
        self.creation = creation
    }

    /// The STS endpoint of the credential chain.
    package var stsEndpoint: String { credentials.stsEndpoint }

    /// Region, profile and endpoints; never a credential.
    package var description: String {
        "AWSSettings(region: \(region), profile: \(credentials.profile), secretsManager: \(secretsManagerEndpoint), "
            + "sts: \(stsEndpoint))"
    }
}
