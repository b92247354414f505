/// `backend.tls` of a Vault backend: paths are relative to the project directory.
package struct VaultTLSConfig: Sendable, Hashable {
    package var caCert: String?
    package var caPath: String?
    package var clientCert: String?
    package var clientKey: String?
    package var serverName: String?
    /// Verification off, by name, for this backend only.
    package var skipVerify: Bool

    package init(
        caCert: String? = nil,
        caPath: String? = nil,
        clientCert: String? = nil,
        clientKey: String? = nil,
        serverName: String? = nil,
        skipVerify: Bool = false
    ) {
        self.caCert = caCert
        self.caPath = caPath
        self.clientCert = clientCert
        self.clientKey = clientKey
        self.serverName = serverName
        self.skipVerify = skipVerify
    }
}
