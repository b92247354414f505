import CfgSecure
import Testing

struct PasswordGeneratorTests {
    static let allClasses = [
        PasswordGenerator.lower, PasswordGenerator.upper, PasswordGenerator.digits, PasswordGenerator.symbols,
    ]

    @Test func symbolsAreTheThirtyTwoASCIIPunctuationCharacters() {
        #expect(PasswordGenerator.symbols.count == 32)
        #expect(Set(PasswordGenerator.symbols).count == 32)
        #expect(PasswordGenerator.symbols.allSatisfy { $0.isASCII && $0.isPunctuation || $0.isSymbol })
    }

    @Test(arguments: [4, 5, 16, 32, 128])
    func hasTheRequestedLength(length: Int) throws {
        let password = try #require(
            try PasswordGenerator.generate(length: length, classes: Self.allClasses).stringValue()
        )
        #expect(password.count == length)
    }

    @Test func containsEveryClassEveryTime() throws {
        for _ in 0..<200 {
            let password = try #require(
                try PasswordGenerator.generate(length: 4, classes: Self.allClasses).stringValue()
            )
            for alphabet in Self.allClasses {
                #expect(password.contains { alphabet.contains($0) })
            }
        }
    }

    @Test func neverContainsExcludedCharacters() throws {
        let exclude = "@:/%#?&+'\"=$ \\!*()lI0O"
        for _ in 0..<300 {
            let password = try #require(
                try PasswordGenerator.generate(length: 32, classes: Self.allClasses, exclude: exclude).stringValue()
            )
            #expect(!password.contains { exclude.contains($0) })
        }
    }

    @Test func drawsOnlyFromTheClasses() throws {
        for _ in 0..<100 {
            let password = try #require(
                try PasswordGenerator.generate(length: 20, classes: ["ab", "é"]).stringValue()
            )
            #expect(password.count == 20)
            #expect(password.allSatisfy { "abé".contains($0) })
            #expect(password.contains("é"))
        }
    }

    @Test func usesTheWholeUnion() throws {
        var seen = Set<Character>()
        for _ in 0..<200 {
            let password = try #require(
                try PasswordGenerator.generate(length: 16, classes: [PasswordGenerator.digits]).stringValue()
            )
            seen.formUnion(password)
        }
        #expect(seen == Set(PasswordGenerator.digits))
    }

    @Test func passwordsDiffer() throws {
        let first = try PasswordGenerator.generate(length: 32, classes: Self.allClasses)
        let second = try PasswordGenerator.generate(length: 32, classes: Self.allClasses)
        #expect(first != second)
    }

    @Test func failsWhenShorterThanTheNumberOfClasses() {
        let error = #expect(throws: CryptoError.self) {
            _ = try PasswordGenerator.generate(length: 3, classes: Self.allClasses)
        }
        #expect(error?.code == .invalidInput)
    }

    @Test func failsWhenEverythingIsExcluded() {
        let error = #expect(throws: CryptoError.self) {
            _ = try PasswordGenerator.generate(length: 8, classes: ["abc", ""], exclude: "cba")
        }
        #expect(error?.code == .invalidInput)
        #expect(throws: CryptoError.self) {
            _ = try PasswordGenerator.generate(length: 8, classes: [])
        }
    }

    @Test func classesEmptiedByExclusionDoNotCount() throws {
        let password = try PasswordGenerator.generate(length: 1, classes: ["abc", "xyz"], exclude: "xyz")
        #expect(password.stringValue().map { "abc".contains($0) } == true)
    }
}
