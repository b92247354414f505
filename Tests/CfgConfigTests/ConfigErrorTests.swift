import Testing

@testable import CfgConfig

struct ConfigErrorTests {
    @Test func descriptionStartsWithThePosition() {
        let error = ConfigError(
            .unknownField,
            "unknown field 'sevices' in the environment",
            at: ConfigPosition(file: "environments/dev.yaml", line: 12, column: 5)
        )
        #expect(error.description == "environments/dev.yaml:12:5: unknown field 'sevices' in the environment")
    }

    @Test func descriptionWithoutPositionIsTheMessage() {
        let error = ConfigError(.fileNotFound, "environment 'prod' not found", at: nil)
        #expect(error.description == "environment 'prod' not found")
    }

    @Test func equalityComparesTheCodeOnly() {
        let position = ConfigPosition(file: "a.yaml", line: 1, column: 1)
        #expect(ConfigError(.duplicate, "one", at: position) == ConfigError(.duplicate, "two", at: nil))
        #expect(ConfigError(.duplicate, "one", at: position) != ConfigError(.unknownField, "one", at: position))
    }
}
