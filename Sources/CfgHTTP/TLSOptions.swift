/// How a client checks servers and proves its own identity over TLS.
package struct TLSOptions: Sendable, Hashable {
    /// A PEM file of CA certificates to trust instead of the system's.
    package var caFile: String?
    /// A directory of hashed CA certificates (`c_rehash`) to trust instead of the system's.
    package var caPath: String?
    /// A PEM client certificate for mutual TLS.
    package var clientCertificate: String?
    /// The PEM private key of ``clientCertificate``.
    package var clientKey: String?
    /// The name to use for SNI, the certificate name check and the `Host` header instead of the URL's host;
    /// the connection still goes to the URL's host and port.
    package var serverName: String?
    /// Whether to verify the server's certificate chain and name; `false` turns both checks off.
    package var verify: Bool

    /// Creates options; the defaults verify against the system's CAs.
    package init(
        caFile: String? = nil,
        caPath: String? = nil,
        clientCertificate: String? = nil,
        clientKey: String? = nil,
        serverName: String? = nil,
        verify: Bool = true
    ) {
        self.caFile = caFile
        self.caPath = caPath
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.serverName = serverName
        self.verify = verify
    }
}
