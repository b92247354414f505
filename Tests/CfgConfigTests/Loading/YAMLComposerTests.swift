import Testing

@testable import CfgConfig

struct YAMLComposerTests {
    @Test func duplicateKeyPointsAtTheSecondOccurrence() {
        let yaml = "backend:\n  type: local\n  store: a\n  # note\n  store: b\n"
        let error = #expect(throws: ConfigError(.duplicate, "", at: nil)) {
            try YAMLComposer.compose(yaml, file: "x.yaml")
        }
        #expect(error?.position == ConfigPosition(file: "x.yaml", line: 5, column: 3))
        #expect(error?.message == "duplicate key 'store' in a mapping (first written at line 3, column 3)")
    }

    @Test func duplicateKeyInAFlowMappingPointsAtTheFirst() {
        let error = #expect(throws: ConfigError(.duplicate, "", at: nil)) {
            try YAMLComposer.compose("a: { b: 1, b: 2 }\n", file: "x.yaml")
        }
        #expect(error?.position == ConfigPosition(file: "x.yaml", line: 1, column: 6))
    }

    @Test func malformedYAMLReportsTheProblemWithoutTheText() {
        let error = #expect(throws: ConfigError(.malformedYAML, "", at: nil)) {
            try YAMLComposer.compose("a: \"unclosed secret\n", file: "x.yaml")
        }
        #expect(error?.message.hasPrefix("malformed YAML: ") == true)
        #expect(error?.message.contains("secret") == false)
    }

    @Test func emptyTextHasNoDocument() throws {
        #expect(try YAMLComposer.compose("# nothing\n", file: "x.yaml") == nil)
    }

    @Test func printableNamesAreShortAndPlain() {
        #expect(YAMLComposer.isPrintableName("api-server"))
        #expect(!YAMLComposer.isPrintableName("has space"))
        #expect(!YAMLComposer.isPrintableName(String(repeating: "a", count: 65)))
    }
}
