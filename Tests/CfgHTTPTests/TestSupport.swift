import CfgHTTP
import CfgSecure
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small helpers shared by the transport tests.
enum TestSupport {
    /// A unique token that must never appear in a description or an error.
    static func canary() -> String {
        "CANARY-" + (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    /// The port a server process announces on the first line of its standard output, or `nil` when the process
    /// ends (or says something else) first; then it is killed and waited for, so nothing is left running.
    static func announcedPort(of process: Process, on output: Pipe) -> Int? {
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        if let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) {
            return port
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return nil
    }

    /// Every byte value, in order.
    static let everyByte: [UInt8] = Array(0...255)

    /// The bytes of a secret (a test-only copy).
    static func bytes(_ secret: Secret) -> [UInt8] {
        secret.withUnsafeBytes { Array($0) }
    }

    /// The body of `response` as text.
    static func text(_ response: HTTPResponse) -> String {
        String(decoding: bytes(response.body), as: UTF8.self)
    }

    /// The error `send` fails with, or `nil` when it succeeds.
    static func failure(of request: HTTPRequest, on transport: some HTTPTransport) async -> HTTPError? {
        do {
            _ = try await transport.send(request)
            return nil
        } catch {
            return error
        }
    }

    /// Polls `condition` every 10 ms for up to `limit`; whether it became true.
    static func eventually(within limit: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while clock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}
