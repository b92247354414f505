import Foundation

/// A private (0700) scratch directory for a test, removed with everything in it when the test body returns.
package enum TemporaryDirectory {
    /// Creates a fresh directory, runs `body` with its path, then removes it.
    package static func with<T>(_ body: (String) async throws -> T) async throws -> T {
        let path = try create()
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }

    /// Creates a fresh directory under the system's temporary directory and returns its path (the caller
    /// removes it).
    package static func create() throws -> String {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("cfg-test-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }
        }
        guard let created else {
            throw CocoaError(.fileWriteUnknown)
        }
        return String(cString: created)
    }
}
