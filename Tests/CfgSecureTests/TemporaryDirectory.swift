import Foundation

/// A fresh directory under the system temporary directory, removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path + "/cfgsecure-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = base
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The names of the entries in the directory (hidden ones included).
    func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    /// A path inside the directory.
    func file(_ name: String) -> String {
        path + "/" + name
    }
}

/// Bytes from a hex string, for test vectors.
func bytes(hex: String) -> [UInt8] {
    var result: [UInt8] = []
    var iterator = hex.makeIterator()
    while let high = iterator.next(), let low = iterator.next() {
        if let byte = UInt8(String([high, low]), radix: 16) {
            result.append(byte)
        }
    }
    return result
}

/// A distinctive value that must never appear in any output or error.
let canary = "CANARY-s3cr3t-Xq7!-do-not-print"
