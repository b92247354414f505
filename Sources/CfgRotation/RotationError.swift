/// The one error type of CfgRotation: a closed `code`, and a `description` that names positions and counts, never a
/// key or any other value.
package struct RotationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    package enum Code: Sendable, Hashable {
        /// The stored `fernet_key` is not a comma-separated list of Fernet keys (an empty entry, a malformed key).
        case malformedFernetKeyList
        /// The new key is not a Fernet key.
        case invalidFernetKey
        /// `keep` is below 1: the new key must always stay.
        case invalidKeep
    }

    /// The kind of failure.
    package let code: Code
    /// The sentence a user reads.
    package let description: String

    package init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// Equality on `code` only, so tests assert the kind of failure.
    package static func == (lhs: RotationError, rhs: RotationError) -> Bool { lhs.code == rhs.code }
}
