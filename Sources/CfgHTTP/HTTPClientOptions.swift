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
    /// The most connections open to one host at a time, and the most requests running at once; further requests
    /// wait (as plans, holding no transfer) until one finishes.
    package var maxConnectionsPerHost: Int
    /// The largest response body a request may receive, unless the request sets its own
    /// ``HTTPRequest/maxResponseBytes``; a longer answer fails with ``HTTPError/Kind/responseTooLarge``.
    package var maxResponseBytes: Int
    /// The most bytes of response headers (status lines included, interim and proxy responses counted) that one
    /// request may receive.
    package var maxResponseHeaderBytes: Int
    /// The most response header lines (status lines and trailers included, the blank line ending a section not
    /// counted) that one request may receive.
    package var maxResponseHeaderLines: Int

    /// The default ``maxResponseBytes``: 1 MiB.
    package static let defaultMaxResponseBytes = 1 << 20
    /// The default ``maxResponseHeaderBytes``: 64 KiB, far more than Vault or AWS send.
    package static let defaultMaxResponseHeaderBytes = 64 << 10
    /// The default ``maxResponseHeaderLines``.
    package static let defaultMaxResponseHeaderLines = 200

    /// Creates options.
    package init(
        tls: TLSOptions = .init(),
        proxy: ProxySettings = .none,
        connectTimeout: Duration = .seconds(10),
        totalTimeout: Duration = .seconds(60),
        maxConnectionsPerHost: Int = 16,
        maxResponseBytes: Int = HTTPClientOptions.defaultMaxResponseBytes,
        maxResponseHeaderBytes: Int = HTTPClientOptions.defaultMaxResponseHeaderBytes,
        maxResponseHeaderLines: Int = HTTPClientOptions.defaultMaxResponseHeaderLines
    ) {
        self.tls = tls
        self.proxy = proxy
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.maxResponseBytes = maxResponseBytes
        self.maxResponseHeaderBytes = maxResponseHeaderBytes
        self.maxResponseHeaderLines = maxResponseHeaderLines
    }
}
