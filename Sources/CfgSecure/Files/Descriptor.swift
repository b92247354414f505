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
        try? read(fd, upTo: limit, sizeHint: 64 * 1024).get()
    }

    /// Everything up to end of file, but at most `limit` bytes, into a buffer of `sizeHint` + 1 bytes first (the
    /// size `fstat` gave, so that a file read whole needs one buffer and the end of file is seen without growing
    /// it), doubled while the file goes on; or the `errno` value of the read that failed.
    package static func read(_ fd: Int32, upTo limit: Int, sizeHint: Int) -> Result<[UInt8], ReadFailure> {
        var result = [UInt8](repeating: 0, count: min(limit, max(sizeHint, 0) + 1))
        var filled = 0
        while filled < limit {
            if filled == result.count {
                result += repeatElement(0, count: min(max(result.count, 4096), limit - result.count))
            }
            let outcome = result.withUnsafeMutableBytes { buffer in
                POSIX.readSome(fd, UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            }
            switch outcome {
            case .success(0):
                result.removeLast(result.count - filled)
                return .success(result)
            case .success(let count): filled += count
            case .failure(let error): return .failure(ReadFailure(errno: error.value))
            }
        }
        result.removeLast(result.count - filled)
        return .success(result)
    }

    /// Why a read failed: its `errno` value.
    package struct ReadFailure: Error, Equatable {
        package var errno: Int32
    }
}
