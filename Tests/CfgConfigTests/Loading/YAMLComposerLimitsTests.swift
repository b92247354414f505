import Testing

@testable import CfgConfig

/// The event composer stays linear on hostile input that fits in the size limit.
struct YAMLComposerLimitsTests {
    /// A flow mapping of `count` keys, each written twice.
    private static func repeatedKeys(_ count: Int) -> String {
        "a: {" + (0..<count).map { "k\($0): 1, k\($0): 2" }.joined(separator: ", ") + "}\n"
    }

    @Test func manyRepeatedKeysAreReportedQuickly() {
        let yaml = Self.repeatedKeys(40_000)
        #expect(yaml.utf8.count <= YAMLComposer.maximumBytes)
        let clock = ContinuousClock()
        let started = clock.now
        let error = #expect(throws: ConfigError(.duplicate, "", at: nil)) {
            try YAMLComposer.compose(yaml, file: "x.yaml")
        }
        // The smallest repeated key, in Yams' order of text, at its first occurrence.
        #expect(error?.message == "duplicate key 'k0' in a mapping (first written at line 1, column 5)")
        // Generous for a loaded 2-core machine; a quadratic search took minutes.
        #expect(clock.now - started < .seconds(20))
    }

    @Test func theSmallestRepeatedKeyIsNamed() {
        let error = #expect(throws: ConfigError(.duplicate, "", at: nil)) {
            try YAMLComposer.compose("{b: 1, a: 2, b: 3, a: 4}\n", file: "x.yaml")
        }
        #expect(error?.message == "duplicate key 'a' in a mapping (first written at line 1, column 8)")
    }

    @Test(arguments: ["a: !x&y 1\n", "a: !<tag:x&y> 1\n"])
    func anAmpersandInATagIsNoAnchor(_ yaml: String) throws {
        let root = try #require(try YAMLComposer.compose(yaml, file: "x.yaml"))
        guard case .mapping(let pairs, _, _) = root, case .scalar(let scalar) = pairs.first?.value else {
            Issue.record("not a mapping of a scalar")
            return
        }
        #expect(scalar.string == "1")
        #expect(scalar.tag != .int)
    }
}
