#if canImport(Glibc)
package import Glibc
#elseif canImport(Darwin)
package import Darwin
#endif

/// Reading files that may hold secrets, and checking their permissions.
package enum SecureFile {
    /// Reads a whole file (or a pipe such as `/dev/stdin`) straight into guarded memory.
    ///
    /// The bytes never pass through ordinary memory: they are read into `sodium_malloc`'d buffers
    /// that grow by doubling, and every intermediate buffer is zeroed when freed.
    ///
    /// - Throws: `FileError` with `.notFound`, `.permissionDenied` or `.io`.
    package static func read(_ path: String) throws(FileError) -> Secret {
        let fd = try openForReading(path)
        defer { close(fd) }
        var info = stat()
        let sizeHint = fstat(fd, &info) == 0 && info.st_size > 0 ? Int(info.st_size) : 0
        var buffer = GuardedBuffer(capacity: max(sizeHint + 1, 4096))
        var filled = 0
        while true {
            if filled == buffer.capacity {
                buffer.grow(keeping: filled)
            }
            switch POSIX.readSome(fd, buffer.tail(from: filled)) {
            case .success(0):
                return buffer.secret(count: filled)
            case .success(let count):
                filled += count
            case .failure(let error):
                throw .file("read", path, errno: error.value)
            }
        }
    }

    /// Reads a whole non-secret file into an array.
    ///
    /// - Throws: `FileError` with `.notFound`, `.permissionDenied` or `.io`.
    package static func readBytes(_ path: String) throws(FileError) -> [UInt8] {
        let fd = try openForReading(path)
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let outcome = chunk.withUnsafeMutableBytes { POSIX.readSome(fd, $0) }
            switch outcome {
            case .success(0):
                return result
            case .success(let count):
                result.append(contentsOf: chunk[..<count])
            case .failure(let error):
                throw .file("read", path, errno: error.value)
            }
        }
    }

    /// The permission bits (`st_mode & 0o7777`) of `path`, following symbolic links.
    ///
    /// Use it to refuse a key file that is readable by group or others (`mode & 0o077 != 0`).
    package static func permissions(_ path: String) throws(FileError) -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .file("inspect", path, errno: errno)
        }
        return info.st_mode & 0o7777
    }

    private static func openForReading(_ path: String) throws(FileError) -> Int32 {
        switch POSIX.openFile(path, O_RDONLY | O_CLOEXEC) {
        case .success(let fd):
            return fd
        case .failure(let error):
            throw .file("read", path, errno: error.value)
        }
    }
}
