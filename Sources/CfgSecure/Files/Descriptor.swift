/// Whole writes and bounded reads on an open descriptor, for the layers above (standard output and error, an
/// output file being compared): `errno`-aware, retried on `EINTR` and partial transfers.
package enum Descriptor {
    /// Writes all of `bytes`; false when the descriptor refuses them (a closed pipe, a full disk).
    @discardableResult
    package static func write(_ fd: Int32, _ bytes: some Collection<UInt8>) -> Bool {
        let array = Array(bytes)
        return array.withUnsafeBytes { POSIX.writeAll(fd, $0) } == nil
    }

    /// Everything up to end of file, but at most `limit` bytes: nil when the read fails.
    package static func read(_ fd: Int32, upTo limit: Int) -> [UInt8]? {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while result.count < limit {
            let wanted = min(chunk.count, limit - result.count)
            let outcome = chunk.withUnsafeMutableBytes { buffer in
                POSIX.readSome(fd, UnsafeMutableRawBufferPointer(rebasing: buffer[..<wanted]))
            }
            guard case .success(let count) = outcome else { return nil }
            if count == 0 { break }
            result += chunk[..<count]
        }
        return result
    }
}
