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
    }

    /// The kind of failure.
    package var kind: Kind
    /// What failed, as a clause for a caller's sentence: `could not connect to 127.0.0.1:8200 (…)`.
    package var message: String

    /// Creates an error; `message` must not contain a header value, a body or a URL query.
    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
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
