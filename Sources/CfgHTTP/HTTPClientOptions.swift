/// Settings shared by every request of one client.
package struct HTTPClientOptions: Sendable, Hashable {
    /// TLS verification and client identity.
    package var tls: TLSOptions
    /// Proxies.
    package var proxy: ProxySettings
    /// The longest establishing a connection (TCP and TLS) may take.
    package var connectTimeout: Duration
    /// The longest a whole request may take, unless the request sets its own ``HTTPRequest/timeout``.
    package var totalTimeout: Duration
    /// The most connections open to one host at a time; further requests wait for a free connection.
    package var maxConnectionsPerHost: Int

    /// Creates options.
    package init(
        tls: TLSOptions = .init(),
        proxy: ProxySettings = .none,
        connectTimeout: Duration = .seconds(10),
        totalTimeout: Duration = .seconds(60),
        maxConnectionsPerHost: Int = 16
    ) {
        self.tls = tls
        self.proxy = proxy
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxConnectionsPerHost = maxConnectionsPerHost
    }
}
