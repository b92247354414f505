/// The one error type of CfgHTTP: a closed ``Kind`` and a one-line message.
///
/// The message says what failed and with which `host:port`, and may quote libcurl's error text (which never
/// holds bodies). It never contains a header value, a body, a URL query or user information. It is a clause
/// (lower-case start, no final period) so that a backend can embed it in its own sentence, e.g.
/// `Vault read failed: the TLS connection to vault:8200 failed (…). Check the CA file.`; ``description`` is
/// the same text as a sentence. Equality compares ``kind`` only, so tests assert the kind of failure.
package struct HTTPError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The kind of failure.
    package enum Kind: String, Sendable {
        /// The request cannot be sent as given (bad URL, scheme, method or header).
        case invalidRequest
        /// The server could not be resolved or connected to.
        case unreachable
        /// The TLS handshake or the certificate checks failed.
        case tls
        /// The request took longer than its timeout.
        case timeout
        /// The task was cancelled or the transport shut down.
        case cancelled
        /// The proxy could not be resolved or refused the request.
        case proxy
        /// Any other failure while sending or receiving.
        case transfer
        /// The response was longer than the request allows (its body, or its headers); the transfer was aborted
        /// and nothing of the response is returned.
        case responseTooLarge
    }

    /// The kind of failure.
    package var kind: Kind
    /// What failed, as a clause for a caller's sentence: `could not connect to 127.0.0.1:8200 (…)`.
    package var message: String
    /// For ``Kind/responseTooLarge``: the endpoint that answered, as scheme, host, port and path (never user
    /// information or a query), e.g. `http://127.0.0.1:8200/v1/secret/data/airflow/prod/db`. Only here, not in
    /// ``message`` (which names `host:port`), because some paths identify credentials (the ECS container
    /// credentials URI): a caller that knows its path is safe to show names it.
    package var endpoint: String?
    /// For ``Kind/responseTooLarge``: the limit the answer passed, e.g. `1 MiB` or `64 KiB of headers`.
    package var exceeded: String?

    /// Creates an error; `message` must not contain a header value, a body or a URL query.
    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The error for an answer that passed the limit `exceeded`.
    ///
    /// - Parameters:
    ///   - method: the request's method.
    ///   - target: `host:port`, for the message.
    ///   - endpoint: scheme, host, port and path of the request, without user information or query.
    ///   - exceeded: the limit, e.g. `1 MiB` or `200 header lines`.
    package static func responseTooLarge(
        method: HTTPMethod,
        target: String,
        endpoint: String,
        exceeded: String
    ) -> HTTPError {
        var error = HTTPError(
            .responseTooLarge,
            "\(target) answered the \(method.rawValue) request with more than \(exceeded)"
        )
        error.endpoint = endpoint
        error.exceeded = exceeded
        return error
    }

    /// `bytes` for a message: `8 MiB`, `64 KiB`, or `1000 bytes` when it is not a whole number of either.
    package static func size(_ bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return bytes == 1 ? "1 byte" : "\(bytes) bytes"
    }

    /// The message as a sentence: capitalised, with a final period.
    package var description: String {
        guard let first = message.first else { return "HTTP request failed." }
        let sentence = first.uppercased() + message.dropFirst()
        return sentence.hasSuffix(".") ? sentence : sentence + "."
    }

    /// Equality on ``kind`` only.
    package static func == (lhs: HTTPError, rhs: HTTPError) -> Bool {
        lhs.kind == rhs.kind
    }
}
