/// `backend: { type: vault, … }`. Fields left out here come from the standard variables (`BAO_*`, then
/// `VAULT_*`), which also override what is written here, as Vault's own tools do; the Vault backend resolves that.
package struct VaultBackendConfig: Sendable, Hashable {
    package var address: String?
    /// The KV mount secret paths are relative to.
    package var mount: String
    package var kvVersion: Int
    package var namespace: String?
    /// How cfg logs in; nil: a token from the environment (`VAULT_TOKEN`, then `~/.vault-token`).
    package var auth: VaultAuthConfig?
    package var tls: VaultTLSConfig
    /// Total time for one request, in seconds (`VAULT_CLIENT_TIMEOUT`); nil: the default.
    package var timeoutSeconds: Int?
    /// Retries of a request that failed with 412 or a 5xx other than 501 (`VAULT_MAX_RETRIES`); nil: the default.
    package var maxRetries: Int?

    package init(
        address: String? = nil,
        mount: String = "secret",
        kvVersion: Int = 2,
        namespace: String? = nil,
        auth: VaultAuthConfig? = nil,
        tls: VaultTLSConfig = VaultTLSConfig(),
        timeoutSeconds: Int? = nil,
        maxRetries: Int? = nil
    ) {
        self.address = address
        self.mount = mount
        self.kvVersion = kvVersion
        self.namespace = namespace
        self.auth = auth
        self.tls = tls
        self.timeoutSeconds = timeoutSeconds
        self.maxRetries = maxRetries
    }
}
