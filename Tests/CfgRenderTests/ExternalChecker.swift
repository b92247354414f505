import Foundation
import Testing

/// Runs an independent tool (docker-compose, python3) that reads our output back.
///
/// A missing tool skips the test, unless `CFG_REQUIRE_CHECKERS=1`, in which case the test runs and fails.
enum ExternalChecker {
    /// True when `CFG_REQUIRE_CHECKERS=1`: missing checkers fail instead of skipping.
    static let required = ProcessInfo.processInfo.environment["CFG_REQUIRE_CHECKERS"] == "1"

    /// True when `tool` is an executable on PATH.
    static func isInstalled(_ tool: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
        }
    }

    /// Run unless the tool is missing and not required.
    static func shouldRun(_ tool: String) -> Bool { required || isInstalled(tool) }

    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    /// Runs `/usr/bin/env TOOL ARGS…` in `directory` with `environment` added to ours.
    static func run(
        _ arguments: [String],
        in directory: URL,
        environment: [String: String] = [:]
    ) throws -> Output {
        let stdoutURL = directory.appendingPathComponent("checker.stdout")
        let stderrURL = directory.appendingPathComponent("checker.stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stdout = try FileHandle(forWritingTo: stdoutURL)
        let stderr = try FileHandle(forWritingTo: stderrURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("COMPOSE_") }
        merged.merge(environment) { $1 }
        process.environment = merged
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        process.waitUntilExit()
        try stdout.close()
        try stderr.close()
        return Output(
            status: process.terminationStatus,
            stdout: try Data(contentsOf: stdoutURL),
            stderr: String(decoding: try Data(contentsOf: stderrURL), as: UTF8.self)
        )
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
