import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The malicious server of the end-to-end suite (`IntegrationTests/hostile_server.py`) on 127.0.0.1, killed by PID when
/// done: it answers every request the same hostile way (an endless chunked body, an exact number of body or header
/// bytes, a drip), with the canary in every byte it invents.
final class HostileHTTPServer {
    /// The port it listens on.
    let port: Int
    /// The text the server puts in every body and header it sends.
    let canary: String
    private let process: Process

    /// Starts the server in `mode` (see the script's documentation) with an optional numeric `argument`.
    init(_ mode: String, _ argument: Int? = nil) throws {
        guard let python = TLSFixture.executable("python3") else {
            throw TLSFixture.Failure(description: "python3 is not on PATH")
        }
        canary = TestSupport.canary()
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("IntegrationTests/hostile_server.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, mode] + (argument.map { [String($0)] } ?? []) + ["--canary", canary]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        self.process = process
        guard let port = TestSupport.announcedPort(of: process, on: output) else {
            throw TLSFixture.Failure(description: "the hostile server did not start (mode \(mode))")
        }
        self.port = port
    }

    deinit {
        stop()
    }

    /// `http://127.0.0.1:<port>`.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Kills the server by PID (SIGKILL: a child started from a Dispatch thread may have SIGTERM blocked).
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
