/// How to generate a password.
package struct PasswordPolicy: Sendable, Hashable {
    package var length: Int
    /// Every class listed appears at least once.
    package var classes: [CharacterClass]
    /// Characters never used.
    package var exclude: String

    package init(length: Int = 32, classes: [CharacterClass] = CharacterClass.allCases, exclude: String = "") {
        self.length = length
        self.classes = classes
        self.exclude = exclude
    }

    /// `profile: uri-safe`: letters and digits only, so the value needs no encoding anywhere.
    package static func uriSafe(length: Int) -> PasswordPolicy {
        PasswordPolicy(length: length, classes: [.lower, .upper, .digits])
    }
}
