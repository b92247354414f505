/// The AWS auth layer's one error: why no credentials, settings or signature could be had. The message names the
/// source and what to fix, never a key or token.
package struct AWSCredentialError: Error, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable, Hashable {
        /// No provider in the chain applies (no variables, no profile, no container endpoint, metadata disabled).
        case missing
        /// A provider applies but is set up wrongly (a profile without keys, a missing token file, a bad URI).
        case configuration
        /// The endpoint that issues credentials (STS, the container endpoint, instance metadata) did not answer.
        case unreachable
        /// The issuer refused (STS `AccessDenied`, `InvalidIdentityToken`, `ExpiredToken`; HTTP 401/403).
        case rejected
        /// The issuer answered with something that is not credentials.
        case malformed
    }

    package var code: Code
    /// The user-facing sentence. Never a key, a token or a response body.
    package var message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { message }
}

extension AWSCredentialError: Equatable {
    /// Equality on the code only, so tests assert the kind of failure.
    package static func == (lhs: AWSCredentialError, rhs: AWSCredentialError) -> Bool { lhs.code == rhs.code }
}
