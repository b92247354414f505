/// A backend failure. Its context holds only non-secret things: the backend kind, a path, a version, an HTTP
/// status, a file name.
package struct BackendError: Error, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable, Hashable {
        /// No such secret (or version, or label).
        case notFound
        /// The backend cannot be reached (connection refused, DNS, timeout, store file unreadable).
        case unreachable
        /// The TLS handshake failed: an untrusted or mismatched certificate, a client certificate refused.
        case tls
        /// The backend answered but cannot serve now: sealed, a standby, server errors after retries.
        case unavailable
        /// Authentication failed: wrong store key, invalid or expired token, bad credentials.
        case authenticationFailed
        /// Authenticated, but not allowed.
        case permissionDenied
        /// The backend could not decrypt the stored value (Secrets Manager `DecryptionFailure`: the KMS key is
        /// disabled or the caller may not use it).
        case decryptionFailed
        /// The backend kept refusing for rate limits after every retry.
        case throttled
        /// The stored data failed its integrity check (a tampered or truncated store file).
        case corrupt
        /// A check-and-set or label precondition did not hold.
        case conflict
        /// The request itself is invalid (a bad path, an unknown version id).
        case invalidRequest
        /// The backend is not available in this build or configuration.
        case unsupported
    }

    package var code: Code
    /// `local`, `vault`, `aws`.
    package var backend: String
    package var path: SecretPath?
    /// The user-facing sentence: what failed, which thing, what to do next. Never a value.
    package var message: String

    package init(_ code: Code, backend: String, path: SecretPath? = nil, message: String) {
        self.code = code
        self.backend = backend
        self.path = path
        self.message = message
    }

    package var description: String { message }
}

extension BackendError: Equatable {
    /// Equality on the code only, so tests assert the kind of failure.
    package static func == (lhs: BackendError, rhs: BackendError) -> Bool { lhs.code == rhs.code }
}
