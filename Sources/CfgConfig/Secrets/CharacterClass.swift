/// Character classes a generated password draws from.
package enum CharacterClass: String, Sendable, Hashable, CaseIterable {
    case lower
    case upper
    case digits
    /// ASCII punctuation `!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~`.
    case symbols
}
