/// Sends HTTP requests; the one thing backends see of the network.
///
/// Conformers must be safe to call from many tasks at once and must honour task cancellation by aborting
/// the request with ``HTTPError/Kind/cancelled``.
package protocol HTTPTransport: Sendable {
    /// Sends `request` and returns the response, whatever its status.
    ///
    /// - Throws: ``HTTPError`` when no response was received.
    func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse
}
