/// The ``HTTPTransport`` on libcurl's multi interface.
///
/// One dedicated thread per transport runs every transfer (see `CurlMultiLoop`), so many requests proceed
/// in parallel without blocking Swift's cooperative pool, and connections are kept alive and reused. TLS
/// verification is on unless ``TLSOptions/verify`` is `false`; proxies come only from
/// ``HTTPClientOptions/proxy``, never from the process environment; redirects are not followed; only `http`
/// and `https` are spoken. Every response is bounded: its body by the request's limit (a declared
/// `Content-Length` above it is refused before the body is read; an undeclared or lying one aborts the transfer
/// as soon as it passes the limit), its headers by the client's, and its duration by the total timeout.
///
/// Call ``shutdown()`` (or release the transport) to stop the thread.
package final class CurlTransport: HTTPTransport {
    private let options: HTTPClientOptions
    private let loop: CurlMultiLoop
    private let headerLines = HeaderLineCache()

    /// Creates a transport and starts its worker thread.
    ///
    /// - Throws: ``HTTPError/Kind/invalidRequest`` for unusable options (a non-positive limit, a malformed
    ///   TLS server name, a client key without a certificate); ``HTTPError/Kind/transfer`` when libcurl
    ///   cannot be initialised.
    package init(options: HTTPClientOptions = .init()) throws(HTTPError) {
        try CurlTransport.validate(options)
        self.options = options
        loop = try CurlMultiLoop(options: options)
        loop.start()
    }

    deinit {
        loop.shutdown()
    }

    /// Sends `request` and returns the response, whatever its status.
    ///
    /// - Throws: ``HTTPError`` when no response was received: ``HTTPError/Kind/invalidRequest``,
    ///   `unreachable`, `tls`, `timeout`, `cancelled` (the task was cancelled or the transport shut down),
    ///   `proxy`, `responseTooLarge` (body or headers over their limit) or `transfer`.
    package func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        let plan = try CurlRequestPlan(request, options: options, headerLines: headerLines)
        return try await loop.perform(plan).get()
    }

    /// Stops the worker thread; pending requests fail with ``HTTPError/Kind/cancelled``, and so do later ones.
    /// Idempotent.
    package func shutdown() {
        loop.shutdown()
    }

    /// Requests completed and connections opened so far.
    package var statistics: HTTPStatistics {
        loop.statistics
    }

    private static func validate(_ options: HTTPClientOptions) throws(HTTPError) {
        guard options.maxConnectionsPerHost > 0 else {
            throw HTTPError(.invalidRequest, "invalid HTTP options: maxConnectionsPerHost must be at least 1")
        }
        guard options.maxResponseBytes > 0, options.maxResponseHeaderBytes > 0, options.maxResponseHeaderLines > 0
        else {
            throw HTTPError(.invalidRequest, "invalid HTTP options: response limits must be at least 1")
        }
        guard options.connectTimeout > .zero, options.totalTimeout > .zero else {
            throw HTTPError(.invalidRequest, "invalid HTTP options: timeouts must be positive")
        }
        if let serverName = options.tls.serverName, !HTTPSyntax.isHostName(serverName) {
            throw HTTPError(.invalidRequest, "invalid HTTP options: the TLS server name is not a valid host name")
        }
        if options.tls.clientKey != nil, options.tls.clientCertificate == nil {
            throw HTTPError(
                .invalidRequest,
                "invalid HTTP options: a TLS client key was given without a client certificate"
            )
        }
    }
}
