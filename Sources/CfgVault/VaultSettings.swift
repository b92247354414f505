package import CfgHTTP

/// Everything the Vault backend needs: where Vault is, the KV mount and its version, the transport's options,
/// retries and how to get a token.
///
/// Plain values: cfg resolves them in one place from the environment file and the standard variables (`BAO_*`,
/// then `VAULT_*`, as Vault's and OpenBao's own tools read them).
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

    /// The default address, as Vault's client has it.
    package static let defaultAddress = "https://127.0.0.1:8200"
    /// The default KV mount.
    package static let defaultMount = "secret"
    /// The default KV version.
    package static let defaultKVVersion = 2
    /// Vault's client default (`VAULT_MAX_RETRIES`).
    package static let defaultMaxRetries = 2
    /// Vault's client default (`VAULT_CLIENT_TIMEOUT`).
    package static let defaultTimeoutSeconds = 60

    /// The transport options of Vault calls: `timeoutSeconds` for a whole request (`VAULT_CLIENT_TIMEOUT`), at most
    /// 10 s of it to connect.
    package static func http(
        tls: TLSOptions = TLSOptions(),
        proxy: ProxySettings = .none,
        timeoutSeconds: Int = defaultTimeoutSeconds
    ) -> HTTPClientOptions {
        HTTPClientOptions(
            tls: tls,
            proxy: proxy,
            connectTimeout: .seconds(min(10, timeoutSeconds)),
            totalTimeout: .seconds(timeoutSeconds)
        )
    }

    package init(
        address: String = VaultSettings.defaultAddress,
        namespace: String? = nil,
        mount: String = VaultSettings.defaultMount,
        kvVersion: Int = VaultSettings.defaultKVVersion,
        http: HTTPClientOptions = VaultSettings.http(),
        maxRetries: Int = VaultSettings.defaultMaxRetries,
        auth: VaultAuth = .token(.missing)
    ) {
        self.address = address
        self.namespace = namespace
        self.mount = mount
        self.kvVersion = kvVersion
        self.http = http
        self.maxRetries = maxRetries
        self.auth = auth
    }
}
