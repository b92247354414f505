package import CfgSecure
package import FoundationEssentials

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
