import Foundation
import Testing

@testable import CfgConfig

/// The environment-file reference in README.md stays true: its complete example loads.
struct DocumentationTests {
    @Test func documentedExampleLoads() throws {
        let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(text.range(of: "```yaml\n"))
        let end = try #require(text.range(of: "\n```", range: start.upperBound..<text.endIndex))
        let environment = try EnvironmentLoader.parse(
            String(text[start.upperBound..<end.lowerBound]),
            file: "README.md",
            projectDirectory: ".",
            defaultName: "dev"
        )
        #expect(environment.secrets.map(\.name) == ["smtp", "db", "fernet", "flower", "token"])
        #expect(environment.services.map(\.name) == ["scheduler", "worker", "api-server"])
        #expect(environment.outputs.count == 5)
        #expect(environment.rotation.map(\.keep) == [2, 1, 1, 1])
    }
}
