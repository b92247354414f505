package import CfgSecure
package import Foundation

/// A set of AWS credentials: an access key id, its secret and, for temporary credentials, a session token and
/// an expiry.
///
/// `description` and mirrors name the source only, never a key.
package struct AWSCredentials: Sendable, CustomStringConvertible, CustomReflectable {
    /// The access key id (`AKIA…`/`ASIA…`): an identifier, kept out of messages all the same.
    package var accessKeyID: String
    package var secretAccessKey: Secret
    /// The session token of temporary credentials; signed as `X-Amz-Security-Token`.
    package var sessionToken: Secret?
    /// When temporary credentials stop working; nil for long-term keys.
    package var expiration: Date?
    /// Where they came from, for messages: `environment variables`, `profile 'prod'`, `container credentials`…
    package var source: String

    package init(
        accessKeyID: String,
        secretAccessKey: Secret,
        sessionToken: Secret? = nil,
        expiration: Date? = nil,
        source: String
    ) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
        self.source = source
    }

    package var description: String { "AWS credentials from \(source)" }

    package var customMirror: Mirror {
        Mirror(self, children: ["source": source, "expiration": expiration as Any], displayStyle: .struct)
    }
}

/// Why no credentials could be obtained. The message names the source and what to fix, never a key or token.
package struct AWSCredentialError: Error, Sendable, CustomStringConvertible, Equatable {
    package enum Kind: String, Sendable, Hashable {
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

    package var kind: Kind
    package var message: String

    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    package var description: String { message }
}

/// Supplies credentials; the chain and each provider in it conform. Safe to call from many tasks at once.
package protocol AWSCredentialProvider: Sendable {
    /// Credentials that are valid now (refreshed before they expire where the source allows).
    func credentials() async throws(AWSCredentialError) -> AWSCredentials
}
