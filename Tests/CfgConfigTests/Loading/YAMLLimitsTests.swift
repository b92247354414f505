import Foundation
import Testing

@testable import CfgConfig

/// Environment files are bounded before anything is built from them (issue 11, defect 6): size, nesting depth,
/// and no anchors or aliases (a "billion laughs" expanded to gigabytes).
struct YAMLLimitsTests {
    private static func parse(_ yaml: String) throws(ConfigError) -> EnvironmentFile {
        try EnvironmentFileLoader.parse(yaml, file: "environments/dev.yaml", projectDirectory: ".", defaultName: "dev")
    }

    private static func position(_ line: Int, _ column: Int) -> ConfigPosition {
        ConfigPosition(file: "environments/dev.yaml", line: line, column: column)
    }

    /// The classic expansion: ten lists of ten aliases of the previous one, twelve levels.
    static let billionLaughs: String = {
        var lines = ["backend: { type: local }", "values:", "  a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...12 {
            lines.append(
                "  a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
                    + "]"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test func billionLaughsIsRefusedAtTheFirstAnchor() {
        let clock = ContinuousClock()
        let started = clock.now
        let error = #expect(throws: ConfigError(.unsupportedYAML, "", at: nil)) { try Self.parse(Self.billionLaughs) }
        #expect(error?.position == Self.position(3, 7))
        #expect(
            error?.message
                == "anchors and aliases are not supported in environment files; repeat the value (quote a value that "
                + "starts with '*' or '&')"
        )
        // A hang guard (before the fix this never ended), generous for a loaded 2-core machine.
        #expect(clock.now - started < .seconds(60))
    }

    /// Aliases used as keys are hashed by Yams while it composes: they must be refused before that.
    @Test func aliasAsAKeyIsRefusedBeforeComposition() {
        let yaml = Self.billionLaughs + "  big: { ? *a12 : 1, ? *a11 : 2 }\n"
        #expect(throws: ConfigError(.unsupportedYAML, "", at: nil)) { try Self.parse(yaml) }
    }

    @Test(arguments: [
        ("backend: { type: local }\nvalues:\n  a: &x 1\n  b: 2\n", 3, 6),
        ("backend: { type: local }\nvalues:\n  a: 1\n  b: *x\n", 4, 6),
        ("backend: &b\n  type: local\n", 1, 10),
        ("backend: { type: local }\nvalues: { a: [&y 1, *y] }\n", 2, 15),
        ("backend: { type: local }\nvalues:\n  *k : 1\n", 3, 3),
        ("backend: { type: local }\nvalues:\n  - &z\n    - 1\n", 3, 5),
    ])
    func anchorsAndAliasesAreRefusedWhereTheyAre(_ yaml: String, _ line: Int, _ column: Int) {
        let error = #expect(throws: ConfigError(.unsupportedYAML, "", at: nil)) { try Self.parse(yaml) }
        #expect(error?.position == Self.position(line, column))
    }

    /// `*` and `&` inside values are text, not anchors.
    @Test func starsAndAmpersandsInsideValuesAreKept() throws {
        let yaml = """
            backend: { type: local }
            values:
              schedule: "*/5 * * * *"
              single: '&amp; *bold*'
              plain: a & b *c &d
              url: https://example.com/?a=1&b=2
              block: |
                *emphasis* & more
                &anchor-like text
              flow: [ "*x", '&y' ]
              # a comment with *alias and &anchor

            """
        let environment = try Self.parse(yaml)
        let values = Dictionary(uniqueKeysWithValues: environment.values.map { ($0.key, $0.value) })
        #expect(values["schedule"] == .string("*/5 * * * *"))
        #expect(values["single"] == .string("&amp; *bold*"))
        #expect(values["plain"] == .string("a & b *c &d"))
        #expect(values["url"] == .string("https://example.com/?a=1&b=2"))
        #expect(values["block"] == .string("*emphasis* & more\n&anchor-like text\n"))
        #expect(values["flow"] == .list([.string("*x"), .string("&y")]))
    }

    /// A syntax error far from any `*` is reported as itself.
    @Test func syntaxErrorBeforeAnyStarIsReportedAsIs() {
        let yaml = "backend: { type: local }\nvalues: { a: 1 ]\nschedule: '*/5'\n"
        let error = #expect(throws: ConfigError(.malformedYAML, "", at: nil)) { try Self.parse(yaml) }
        #expect(error?.position?.line == 2)
    }

    /// `levels` collections nested: the root mapping, `values`, then lists.
    private static func nested(_ levels: Int) -> String {
        let lists = levels - 2
        return "backend: { type: local }\nvalues:\n  deep: " + String(repeating: "[", count: lists) + "1"
            + String(repeating: "]", count: lists) + "\n"
    }

    @Test func nestingAtTheLimitIsAccepted() throws {
        let environment = try Self.parse(Self.nested(YAMLComposer.maximumDepth))
        #expect(environment.values.count == 1)
    }

    @Test func nestingPastTheLimitIsRefusedAtTheDeepestCollection() {
        let error = #expect(throws: ConfigError(.tooLarge, "", at: nil)) {
            try Self.parse(Self.nested(YAMLComposer.maximumDepth + 1))
        }
        #expect(error?.position == Self.position(3, 9 + YAMLComposer.maximumDepth - 2))
        #expect(error?.message == "collections are nested more than 64 levels deep here; flatten the structure")
    }

    /// libyaml's own limit (1000) must not be the one that answers, and no stack overflows.
    @Test func veryDeepNestingIsRefusedWithoutCrashing() {
        for levels in [999, 5000, 200_000] {
            let error = #expect(throws: ConfigError(.tooLarge, "", at: nil)) { try Self.parse(Self.nested(levels)) }
            #expect(error?.message == "collections are nested more than 64 levels deep here; flatten the structure")
        }
    }

    /// `text` padded with a comment to exactly `bytes` bytes.
    private static func padded(to bytes: Int) -> String {
        let head = "backend: { type: local }\n#"
        return head + String(repeating: "x", count: bytes - head.utf8.count - 1) + "\n"
    }

    @Test func fileAtTheSizeLimitIsAccepted() throws {
        let text = Self.padded(to: YAMLComposer.maximumBytes)
        #expect(text.utf8.count == 1_048_576)
        _ = try Self.parse(text)
    }

    @Test func filePastTheSizeLimitIsRefused() {
        let error = #expect(throws: ConfigError(.tooLarge, "", at: nil)) {
            try Self.parse(Self.padded(to: YAMLComposer.maximumBytes + 1))
        }
        #expect(
            error?.description
                == "environments/dev.yaml is larger than 1048576 bytes (1 MiB), the most an environment file may hold; "
                + "split it or move data to templates"
        )
    }

    // MARK: Reading the file

    private static func project(with text: String?) throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("cfg-limits-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/environments", withIntermediateDirectories: true)
        if let text { try text.write(toFile: directory + "/environments/dev.yaml", atomically: true, encoding: .utf8) }
        return directory
    }

    @Test func fileOnDiskAtTheLimitLoadsAndPastItIsRefused() throws {
        let atLimit = try Self.project(with: Self.padded(to: YAMLComposer.maximumBytes))
        defer { try? FileManager.default.removeItem(atPath: atLimit) }
        _ = try EnvironmentFileLoader.load("dev", projectDirectory: atLimit)
        let past = try Self.project(with: Self.padded(to: YAMLComposer.maximumBytes + 1))
        defer { try? FileManager.default.removeItem(atPath: past) }
        let error = #expect(throws: ConfigError(.tooLarge, "", at: nil)) {
            try EnvironmentFileLoader.load("dev", projectDirectory: past)
        }
        #expect(error?.description.hasPrefix("environments/dev.yaml is larger than 1048576 bytes") == true)
    }

    @Test func deviceIsRefusedWithoutReadingIt() {
        let error = #expect(throws: ConfigError(.fileNotFound, "", at: nil)) {
            try EnvironmentFileLoader.load("/dev/zero", projectDirectory: ".")
        }
        #expect(error?.description.contains("is not a regular file") == true)
    }

    @Test func fifoIsRefusedWithoutBlocking() throws {
        let directory = try Self.project(with: nil)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/environments/dev.yaml"
        #expect(mkfifo(path, 0o600) == 0)
        let error = #expect(throws: ConfigError(.fileNotFound, "", at: nil)) {
            try EnvironmentFileLoader.load("dev", projectDirectory: directory)
        }
        #expect(error?.description.contains("is not a regular file") == true)
    }
}
