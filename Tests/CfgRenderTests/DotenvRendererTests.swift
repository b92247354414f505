import CfgRender
import Foundation
import Testing

struct DotenvRendererTests {
    @Test func quotesSingleWhenLiteralIsSafeAndDoubleOtherwise() {
        #expect(DotenvRenderer.quote("") == "''")
        #expect(DotenvRenderer.quote("$HOME #x") == "'$HOME #x'")
        #expect(DotenvRenderer.quote("it's $HOME") == "\"it's \\$HOME\"")
        #expect(DotenvRenderer.quote("a\\b\n\r\t\"") == "\"a\\\\b\\n\\r\\t\\\"\"")
    }

    @Test func nulIsAnErrorThatDoesNotLeakTheValue() {
        let settings = HostileValues.settings([("pw", Canary.secret + "\0")])
        #expect {
            try DotenvRenderer.render(settings)
        } throws: { error in
            (error as? RenderError)?.code == .invalidValue
                && (error as? RenderError)?.description.contains(Canary.secret) == false
        }
    }

    /// Docker Compose v2 itself reads the file back: every hostile value arrives unchanged.
    @Test(.enabled(if: ExternalChecker.shouldRun("docker-compose")))
    func dockerComposeReadsEveryValueBackUnchanged() throws {
        let directory = try ExternalChecker.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try DotenvRenderer.render(HostileValues.settings(HostileValues.all))
            .write(to: directory.appendingPathComponent("test.env"), atomically: true, encoding: .utf8)
        try "services:\n  s:\n    image: alpine\n    env_file: [./test.env]\n"
            .write(to: directory.appendingPathComponent("compose.yaml"), atomically: true, encoding: .utf8)
        // Host variables that an unwanted interpolation would pick up.
        let output = try ExternalChecker.run(
            ["docker-compose", "-f", "compose.yaml", "config", "--format", "json"],
            in: directory,
            environment: ["HOME": "/interpolated-home", "X": "interpolated-x"]
        )
        try #require(output.status == 0, "docker-compose failed: \(output.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: output.stdout) as? [String: Any])
        let services = try #require(json["services"] as? [String: Any])
        let service = try #require(services["s"] as? [String: Any])
        let environment = try #require(service["environment"] as? [String: Any])
        #expect(environment.count == HostileValues.all.count)
        for (name, value) in HostileValues.all {
            // `config --format json` prints each literal `$` as `$$`.
            let read = (environment["CFG_T_\(name.uppercased())"] as? String)?.replacingOccurrences(of: "$$", with: "$")
            #expect(read == value, "value \(name) did not read back unchanged")
        }
    }

    /// python-dotenv agrees except on `$` inside double quotes, which it keeps as `\$`, and cannot parse a
    /// double-quoted value ending in a backslash (README.md, "Settings templates and outputs").
    @Test(.enabled(if: ExternalChecker.shouldRun("python3")))
    func pythonDotenvAgreesExceptOnEscapedDollar() throws {
        let directory = try ExternalChecker.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("test.env")
        // python-dotenv's double-quote pattern reads `\\"` as an escaped quote; such a value breaks its parse.
        let readable = HostileValues.all.filter { !$0.value.hasSuffix("\\") }
        try DotenvRenderer.render(HostileValues.settings(readable))
            .write(to: path, atomically: true, encoding: .utf8)
        let script = """
            import json, sys
            from dotenv import dotenv_values
            print(json.dumps(dotenv_values(sys.argv[1], interpolate=False)))
            """
        let output = try ExternalChecker.run(["python3", "-c", script, path.path], in: directory)
        try #require(output.status == 0, "python-dotenv failed: \(output.stderr)")
        let values = try #require(try JSONSerialization.jsonObject(with: output.stdout) as? [String: Any])
        #expect(values.count == readable.count)
        for (name, value) in readable {
            let doubleQuoted = DotenvRenderer.quote(value).hasPrefix("\"")
            let expected = doubleQuoted ? value.replacingOccurrences(of: "$", with: "\\$") : value
            #expect(values["CFG_T_\(name.uppercased())"] as? String == expected, "value \(name)")
        }
    }
}
