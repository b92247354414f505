#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Thin, `errno`-aware wrappers over the POSIX calls the file types share.
enum POSIX {
    /// `open(2)`, retried on `EINTR`. Returns the descriptor or the `errno` value.
    static func openFile(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Result<Int32, Errno> {
        while true {
            let fd = open(path, flags, mode)
            if fd >= 0 { return .success(fd) }
            if errno != EINTR { return .failure(Errno(errno)) }
        }
    }

    /// Writes the whole buffer, retrying partial writes and `EINTR`.
    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Errno? {
        guard var cursor = buffer.baseAddress else { return nil }
        var remaining = buffer.count
        while remaining > 0 {
            let written = write(fd, cursor, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                return Errno(errno)
            }
            if written == 0 { return Errno(EIO) }
            cursor += written
            remaining -= written
        }
        return nil
    }

    /// Reads up to `buffer.count` bytes, retrying `EINTR`. Returns the count (0 at end of file).
    static func readSome(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .success(0) }
        while true {
            let count = read(fd, base, buffer.count)
            if count >= 0 { return .success(count) }
            if errno != EINTR { return .failure(Errno(errno)) }
        }
    }

    /// `fsync(2)`, retried on `EINTR`.
    static func sync(_ fd: Int32) -> Errno? {
        while fsync(fd) != 0 {
            if errno != EINTR { return Errno(errno) }
        }
        return nil
    }

    /// The entry names of an open directory, without `.` and `..`, read through a duplicate descriptor (so the
    /// caller's descriptor stays open and positioned), or the `errno` value.
    static func entryNames(_ fd: Int32) -> Result<[String], Errno> {
        let copy = dup(fd)
        guard copy >= 0 else { return .failure(Errno(errno)) }
        guard let stream = fdopendir(copy) else {
            let error = errno
            close(copy)
            return .failure(Errno(error))
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                raw.baseAddress.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? ""
            }
            if !name.isEmpty, name != ".", name != ".." { names.append(name) }
        }
        return .success(names)
    }

    /// The directory part of a path ("." for a bare file name).
    static func directoryName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = path[..<slash]
        return directory.isEmpty ? "/" : String(directory)
    }

    /// The last component of a path.
    static func baseName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}

/// An `errno` value, wrapped so it can travel in a `Result`.
struct Errno: Error {
    let value: Int32
    init(_ value: Int32) { self.value = value }
}
