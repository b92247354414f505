import Foundation
import Testing

@testable import CfgConfig

/// The environment-file reference stays true: the complete example of docs/environment-file.md loads, with the
/// shape its text describes. (IntegrationTests/test_docs_examples.py renders it and checks every other example.)
struct DocumentationTests {
    @Test func documentedExampleLoads() throws {
        let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(
            contentsOf: root.appendingPathComponent("docs/environment-file.md"),
            encoding: .utf8
        )
        // The first complete environment of the page: a block whose info string is `yaml environment …`.
        let start = try #require(text.range(of: "```yaml environment"))
        let body = try #require(text.range(of: "\n", range: start.upperBound..<text.endIndex))
        let end = try #require(text.range(of: "\n```", range: body.upperBound..<text.endIndex))
        let environment = try EnvironmentFileLoader.parse(
            String(text[body.upperBound..<end.lowerBound]),
            file: "docs/environment-file.md",
            projectDirectory: ".",
            defaultName: "dev"
        )
        #expect(environment.secrets.map(\.name) == ["smtp", "db", "fernet", "flower", "token"])
        #expect(environment.services.map(\.name) == ["scheduler", "worker", "api-server"])
        #expect(environment.outputs.count == 5)
        #expect(environment.rotation.map(\.keep) == [2, 1, 1, 1])
    }
}
