import Testing
import Yams

@testable import CfgConfig

struct GeneratorSpecParserTests {
    /// Parses `generate: SPEC` and returns the spec.
    private static func parse(_ spec: String) throws -> GeneratorSpec {
        let node = try #require(try Yams.compose(yaml: "generate: \(spec)\n"))
        let entries = try ConfigNode(node, path: "", file: "test.yaml").entries()
        let value = try #require(entries.first?.value)
        return try GeneratorSpecParser.parse(value)
    }

    @Test(
        arguments: [
            ("fernet", GeneratorSpec.fernet),
            ("password", .password(PasswordPolicy(length: 32, classes: CharacterClass.allCases))),
            ("hex", .bytes(length: 32, encoding: .hex)),
            ("base64", .bytes(length: 32, encoding: .base64)),
            ("base64url", .bytes(length: 32, encoding: .base64url)),
            ("{ fernet: {} }", .fernet),
            ("{ fernet: }", .fernet),
            ("{ password: {} }", .password(PasswordPolicy())),
            (
                "{ password: { length: 8, classes: [digits, lower] } }",
                .password(PasswordPolicy(length: 8, classes: [.digits, .lower]))
            ),
            ("{ password: { length: 1024, profile: uri-safe } }", .password(.uriSafe(length: 1024))),
            ("{ password: { profile: strong, exclude: \"O0l1\" } }", .password(PasswordPolicy(exclude: "O0l1"))),
            ("{ bytes: { length: 1, encoding: base64 } }", .bytes(length: 1, encoding: .base64)),
            ("{ bytes: { length: 64 } }", .bytes(length: 64, encoding: .hex)),
        ]
    )
    func validSpecParses(_ text: String, _ expected: GeneratorSpec) throws {
        #expect(try Self.parse(text) == expected)
    }

    @Test(
        arguments: [
            ("sha256", ConfigError.Code.invalidValue),
            ("[fernet]", .invalidValue),
            ("{}", .invalidValue),
            ("{ fernet: {}, password: {} }", .invalidValue),
            ("{ uuid: {} }", .unknownField),
            ("{ fernet: { length: 3 } }", .unknownField),
            ("{ password: { length: 7 } }", .invalidValue),
            ("{ password: { length: 1025 } }", .invalidValue),
            ("{ password: { length: \"32\" } }", .invalidValue),
            ("{ password: { classes: [] } }", .invalidValue),
            ("{ password: { classes: [lower, emoji] } }", .invalidValue),
            ("{ password: { classes: [lower, lower] } }", .duplicate),
            ("{ password: { profile: uri-safe, classes: [lower] } }", .invalidValue),
            ("{ password: { profile: weak } }", .invalidValue),
            ("{ password: { classes: [digits], exclude: \"0123456789\" } }", .invalidValue),
            ("{ password: { size: 3 } }", .unknownField),
            ("{ bytes: { length: 0 } }", .invalidValue),
            ("{ bytes: { length: 1025 } }", .invalidValue),
            ("{ bytes: { encoding: base32 } }", .invalidValue),
        ]
    )
    func invalidSpecFails(_ text: String, _ code: ConfigError.Code) {
        #expect(throws: ConfigError(code, "", at: nil)) { try Self.parse(text) }
    }

    @Test func errorPointsAtTheOffendingValue() {
        let error = #expect(throws: ConfigError.self) { try Self.parse("{ password: { length: 4 } }") }
        #expect(error?.position == ConfigPosition(file: "test.yaml", line: 1, column: 33))
        #expect(error?.message == "'generate.password.length' must be an integer from 8 to 1024 (found a number)")
    }
}
