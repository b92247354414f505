import Testing

@testable import CfgConfig

/// Text from the environment file reaches messages only as a name that looks like one (issue 11, defect 8).
struct ConfigTextTests {
    static let canary = "CANARY-hunter2-Zx9"

    private static func parse(
        _ yaml: String,
        file: String = "environments/dev.yaml"
    ) throws(ConfigError) -> EnvironmentFile {
        try EnvironmentFileLoader.parse(yaml, file: file, projectDirectory: ".", defaultName: "dev")
    }

    /// Every ASCII character alone and inside a name: printable ones stay, the rest become escapes.
    @Test func everyASCIICharacterIsEscapedOrKept() {
        for value in UInt32(0)..<128 {
            let scalar = Unicode.Scalar(value)!
            let expected: String =
                switch scalar {
                case "\n": "\\n"
                case "\r": "\\r"
                case "\t": "\\t"
                case "\\": "\\\\"
                case " "..."~": String(scalar)
                default: "\\u{" + String(value, radix: 16, uppercase: true) + "}"
                }
            #expect(ConfigText.escaped(String(scalar)) == expected, "\(value)")
            #expect(ConfigText.escaped("core" + String(scalar) + "x") == "core" + expected + "x", "\(value)")
        }
        #expect(ConfigText.escaped("caf\u{E9}\u{2028}") == "caf\u{E9}\\u{2028}")
    }

    @Test func secretPastedWithoutASpaceIsDescribedNotEchoed() {
        let error = #expect(throws: ConfigError(.unknownField, "", at: nil)) {
            try Self.parse("backend: { type: local, token:\(Self.canary) }\n")
        }
        #expect(error?.position == ConfigPosition(file: "environments/dev.yaml", line: 1, column: 25))
        #expect(
            error?.message
                == "unknown field a key at line 1, column 25 (not a valid name) in 'backend' "
                + "(expected one of: key_file, store, type)"
        )
        #expect(error?.description.contains("hunter2") == false)
    }

    @Test func secretPastedAsABlockKeyIsNotEchoed() {
        let error = #expect(throws: ConfigError(.unknownField, "", at: nil)) {
            try Self.parse("backend:\n  type: local\n  token:\(Self.canary):\n")
        }
        #expect(error?.position == ConfigPosition(file: "environments/dev.yaml", line: 3, column: 3))
        #expect(error?.description.contains("hunter2") == false)
    }

    @Test func identifierLikeUnknownFieldIsStillNamed() {
        let error = #expect(throws: ConfigError(.unknownField, "", at: nil)) {
            try Self.parse("backend: { type: local, stor: a }\n")
        }
        #expect(error?.message.hasPrefix("unknown field 'stor' in 'backend'") == true)
    }

    @Test func keyThatIsNotANameIsNamedByItsPositionInPaths() {
        let yaml = """
            backend: { type: local }
            secrets:
              db:
                path: a
                keys:
                  "pw:\(Self.canary)": { value: 1, bogus: 2 }

            """
        let error = #expect(throws: ConfigError(.unknownField, "", at: nil)) { try Self.parse(yaml) }
        #expect(
            error?.message
                == "unknown field 'bogus' in 'secrets.db.keys.<key at line 6, column 7>' (expected one of: generate, "
                + "prefix, value)"
        )
        #expect(error?.description.contains("hunter2") == false)
    }

    @Test func unknownGeneratorIsNotEchoed() {
        let yaml = "backend: { type: local }\nsecrets:\n  db: { path: a, generate: { \"x \(Self.canary)\": {} } }\n"
        let error = #expect(throws: ConfigError(.unknownField, "", at: nil)) { try Self.parse(yaml) }
        #expect(error?.message.hasPrefix("unknown generator a key at line 3, column 30 (not a valid name)") == true)
        #expect(error?.description.contains("hunter2") == false)
    }

    @Test func duplicateKeyThatIsNotANameIsNotEchoed() {
        let yaml = "backend: { type: local }\nvalues:\n  hvs.\(Self.canary): 1\n  hvs.\(Self.canary): 2\n"
        let error = #expect(throws: ConfigError(.duplicate, "", at: nil)) { try Self.parse(yaml) }
        #expect(error?.description.contains("hunter2") == false)
    }

    @Test func duplicateOutputPathIsNotEchoed() {
        let yaml = """
            backend: { type: local }
            outputs:
              - { kind: env, path: \(Self.canary).env }
              - { kind: dotenv, path: ./\(Self.canary).env }

            """
        let error = #expect(throws: ConfigError(.duplicate, "", at: nil)) { try Self.parse(yaml) }
        #expect(error?.position == ConfigPosition(file: "environments/dev.yaml", line: 4, column: 27))
        #expect(
            error?.message
                == "'outputs[1].path' names a file that outputs[0] already writes: give each output its own path"
        )
    }

    /// A key made of control characters cannot forge a second line in a log.
    @Test func controlCharactersInAKeyCannotForgeALine() {
        let yaml = "backend: { type: local }\n\"x\\nenvironments/prod.yaml:1:1: forged\\e[31m\": 1\n"
        let error = #expect(throws: ConfigError(.unknownField, "", at: nil)) { try Self.parse(yaml) }
        let description = error?.description ?? ""
        #expect(!description.contains("\n"))
        #expect(!description.contains("\u{1B}"))
        #expect(!description.contains("forged"))
    }

    @Test func fileNameFromTheCommandLineIsEscaped() {
        let error = #expect(throws: ConfigError(.unknownField, "", at: nil)) {
            try Self.parse("backend: { type: local }\nbogus: 1\n", file: "a\nb\u{1B}.yaml")
        }
        #expect(error?.description.hasPrefix("a\\nb\\u{1B}.yaml:2:1: unknown field 'bogus'") == true)
    }

    @Test(arguments: [
        ("plain", "plain"), ("a\nb", "a\\nb"), ("tab\there", "tab\\there"), ("back\\slash", "back\\\\slash"),
        ("\u{1B}[0m", "\\u{1B}[0m"), ("line\u{2028}sep", "line\\u{2028}sep"), ("é", "é"),
    ])
    func escapedWritesControlCharactersAsEscapes(_ text: String, _ expected: String) {
        #expect(ConfigText.escaped(text) == expected)
    }

    @Test func shownNamesLookLikeIdentifiers() {
        #expect(ConfigText.isShownName("sevices"))
        #expect(ConfigText.isShownName("api-server"))
        #expect(ConfigText.isShownName(String(repeating: "a", count: 64)))
        #expect(!ConfigText.isShownName(String(repeating: "a", count: 65)))
        #expect(!ConfigText.isShownName("token:value"))
        #expect(!ConfigText.isShownName("hvs.CAESI"))
        #expect(!ConfigText.isShownName("has space"))
        #expect(!ConfigText.isShownName("1st"))
        #expect(!ConfigText.isShownName(""))
    }
}
