/// Random passwords drawn from character classes.
///
/// Every non-empty class (after removing excluded characters) contributes at least one character,
/// the remaining characters are drawn uniformly from the union of all classes, and the positions
/// are shuffled with an unbiased Fisher–Yates shuffle (`randombytes_uniform`). The password is
/// assembled directly in guarded memory; the intermediate choices are zeroed.
package enum PasswordGenerator {
    /// `a`–`z`.
    package static let lower = "abcdefghijklmnopqrstuvwxyz"
    /// `A`–`Z`.
    package static let upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    /// `0`–`9`.
    package static let digits = "0123456789"
    /// All 32 ASCII punctuation characters.
    package static let symbols = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

    /// Generates a password.
    ///
    /// - Parameters:
    ///   - length: the number of characters (not bytes).
    ///   - classes: alphabets, for example `[lower, upper, digits, symbols]`; duplicates are ignored.
    ///   - exclude: characters that must never appear (removed from every class).
    /// - Returns: the password's UTF-8 bytes.
    /// - Throws: `.invalidInput` if no character is left to draw from, or if `length` is smaller than
    ///   the number of non-empty classes.
    package static func generate(length: Int, classes: [String], exclude: String = "") throws(CryptoError) -> Secret {
        let excluded = Set(exclude)
        var alphabets: [[Character]] = []
        var union: [Character] = []
        var seen: Set<Character> = []
        for alphabet in classes {
            var members: [Character] = []
            var inClass: Set<Character> = []
            for character in alphabet where !excluded.contains(character) && inClass.insert(character).inserted {
                members.append(character)
                if seen.insert(character).inserted {
                    union.append(character)
                }
            }
            if !members.isEmpty {
                alphabets.append(members)
            }
        }
        guard !union.isEmpty else {
            throw CryptoError(.invalidInput, "The password policy leaves no characters to choose from.")
        }
        guard length >= alphabets.count else {
            throw CryptoError(
                .invalidInput,
                "A password of \(length) characters cannot contain one character from each of its \(alphabets.count) character classes."
            )
        }

        var chosen: [Character] = []
        chosen.reserveCapacity(length)
        for members in alphabets {
            chosen.append(members[Int(SecureRandom.uniform(UInt32(members.count)))])
        }
        while chosen.count < length {
            chosen.append(union[Int(SecureRandom.uniform(UInt32(union.count)))])
        }
        // Fisher–Yates: for i from the end, swap with a uniform index in 0...i.
        var index = chosen.count - 1
        while index > 0 {
            let other = Int(SecureRandom.uniform(UInt32(index + 1)))
            chosen.swapAt(index, other)
            index -= 1
        }

        let byteCount = chosen.reduce(0) { $0 + $1.utf8.count }
        let password = Secret(count: byteCount) { buffer in
            var offset = 0
            for character in chosen {
                for byte in character.utf8 {
                    buffer[offset] = byte
                    offset += 1
                }
            }
        }
        // Overwrite the choices in place (capacity was reserved, so there is no older copy; small
        // Characters are stored inline in the array's buffer).
        for position in chosen.indices {
            chosen[position] = " "
        }
        return password
    }
}
