package import CfgSecure

/// One request header; its value is held as a ``Secret`` because it may be a token.
///
/// `description` and mirrors show the name only.
package struct HTTPHeader: Sendable, CustomStringConvertible {
    /// The header name as sent, e.g. `X-Vault-Token`.
    package let name: String
    /// The header value.
    package let value: Secret

    /// Creates a header from a plain value.
    ///
    /// Note: `value` is an ordinary Swift `String` that cannot be zeroed; pass tokens with
    /// ``init(_:secret:)`` instead.
    package init(_ name: String, _ value: String) {
        self.init(name, secret: Secret(copying: value))
    }

    /// Creates a header whose value is a secret (an authentication token).
    package init(_ name: String, secret: Secret) {
        self.name = name
        self.value = secret
    }

    /// `Name: <REDACTED>`.
    package var description: String { "\(name): \(Secret.redacted)" }
}
