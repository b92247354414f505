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

    /// What ``readRegular(_:limit:followLinks:check:)`` found out about an opened file, for the caller's checks.
    package struct Status: Sendable {
        /// The owner's user id.
        package let owner: uid_t
        /// The permission bits (`st_mode & 0o7777`).
        package let permissions: mode_t
    }

    /// The owner and permission bits of a directory (following symbolic links), for checks such as "no other
    /// user can replace the key file in it".
    ///
    /// - Throws: `FileError` with `.notFound`, `.permissionDenied` or `.io`; `.invalidInput` if it is not a
    ///   directory.
    package static func directoryStatus(_ path: String) throws(FileError) -> Status {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .file("inspect", path, errno: errno) }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw FileError(.invalidInput, "\"\(path)\" is \(kindName(info.st_mode)), not a directory.", path: path)
        }
        return Status(owner: info.st_uid, permissions: info.st_mode & 0o7777)
    }

    /// The most a credential file may hold: a Vault token or AppRole secret_id, a web identity token, AWS's shared
    /// `config` and `credentials` files (1 MiB; real ones hold a few KiB).
    package static let credentialFileLimit = 1 << 20

    /// Reads a credential file: a regular file (a symbolic link is followed, as Kubernetes mounts service account
    /// tokens through links) of at most ``credentialFileLimit`` bytes, so a FIFO or a device in its place fails at
    /// once instead of hanging or reading without end.
    ///
    /// - Throws: `FileError` as ``readRegular(_:limit:followLinks:check:)`` does.
    package static func readCredentialFile(_ path: String) throws(FileError) -> Secret {
        try readRegular(path, limit: credentialFileLimit, followLinks: true)
    }

    /// The effective user id of this process, which must own the files cfg trusts.
    package static var effectiveUser: uid_t { geteuid() }

    /// Reads a regular file of at most `limit` bytes into guarded memory, refusing anything else.
    ///
    /// The file is opened with `O_NONBLOCK` (a FIFO cannot make the open wait for a writer) and, unless
    /// `followLinks`, `O_NOFOLLOW`; `fstat` on the open descriptor then refuses a FIFO, a device, a socket or a
    /// directory before a byte is read, and `check` sees the owner and mode of the very file that is read (no
    /// window between checking and reading). Reading stops one byte past `limit`, so `/dev/zero`-like input or a
    /// file that grows cannot make it read without end.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - limit: the largest accepted size in bytes.
    ///   - followLinks: whether a symbolic link as the last component is followed.
    ///   - check: runs on the opened file's status before reading; throw to refuse it.
    /// - Throws: `FileError`: `.notFound`, `.permissionDenied`, `.io`, or `.invalidInput` for a file that is not
    ///   regular, is a symbolic link (when not followed), or is larger than `limit`; the message names the path.
    package static func readRegular(
        _ path: String,
        limit: Int,
        followLinks: Bool,
        check: (Status) throws(FileError) -> Void = { _ in }
    ) throws(FileError) -> Secret {
        let (fd, size) = try openRegular(path, followLinks: followLinks, check: check)
        defer { close(fd) }
        return try readBounded(fd, sizeHint: size, limit: limit, path: path, shown: "\"\(path)\"", noun: "file")
    }

    /// Reads an open descriptor (standard input: a pipe, a terminal, a redirected file) to its end, straight into
    /// guarded memory, refusing more than `limit` bytes. The descriptor is left open.
    ///
    /// Reading stops one byte past `limit`, so endless input (`yes | cfg …`) is refused instead of read without end.
    ///
    /// - Parameters:
    ///   - fd: the descriptor, for example `STDIN_FILENO`.
    ///   - name: what it is called in a refusal ("standard input").
    ///   - limit: the largest accepted size in bytes.
    /// - Throws: `FileError`: `.io` for a failed read, `.invalidInput` past `limit`; the message names `name`.
    package static func read(descriptor fd: Int32, named name: String, limit: Int) throws(FileError) -> Secret {
        try readBounded(fd, sizeHint: 0, limit: limit, path: name, shown: name, noun: "input")
    }

    /// Reads `fd` to its end into guarded memory, failing one byte past `limit` (`shown` and `noun` name it in that
    /// refusal).
    private static func readBounded(
        _ fd: Int32,
        sizeHint size: Int,
        limit: Int,
        path: String,
        shown: String,
        noun: String
    ) throws(FileError) -> Secret {
        let bound = max(limit, 0) + 1
        var buffer = GuardedBuffer(capacity: min(max(size + 1, 4096), bound))
        var filled = 0
        while true {
            if filled == buffer.capacity {
                buffer.grow(keeping: filled)
            }
            let tail = buffer.tail(from: filled)
            let window = UnsafeMutableRawBufferPointer(rebasing: tail[0..<min(tail.count, bound - filled)])
            switch POSIX.readSome(fd, window) {
            case .success(0):
                return buffer.secret(count: filled)
            case .success(let count):
                filled += count
                if filled > limit { throw tooLarge(path, shown: shown, noun: noun, limit: limit) }
            case .failure(let error):
                throw .file("read", path, errno: error.value)
            }
        }
    }

    /// Reads a regular, non-secret file of at most `limit` bytes into an array, with the refusals of
    /// ``readRegular(_:limit:followLinks:check:)``.
    ///
    /// - Throws: `FileError` as ``readRegular(_:limit:followLinks:check:)`` does.
    package static func readRegularBytes(
        _ path: String,
        limit: Int,
        followLinks: Bool,
        check: (Status) throws(FileError) -> Void = { _ in }
    ) throws(FileError) -> [UInt8] {
        let (fd, size) = try openRegular(path, followLinks: followLinks, check: check)
        defer { close(fd) }
        let bound = max(limit, 0) + 1
        var result: [UInt8] = []
        result.reserveCapacity(min(size, bound))
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let wanted = min(chunk.count, bound - result.count)
            let outcome = chunk.withUnsafeMutableBytes {
                POSIX.readSome(fd, UnsafeMutableRawBufferPointer(rebasing: $0[0..<wanted]))
            }
            switch outcome {
            case .success(0):
                return result
            case .success(let count):
                result.append(contentsOf: chunk[..<count])
                if result.count > limit { throw tooLarge(path, shown: "\"\(path)\"", noun: "file", limit: limit) }
            case .failure(let error):
                throw .file("read", path, errno: error.value)
            }
        }
    }

    /// Opens `path` for reading without blocking, and refuses it unless it is a regular file that `check` accepts.
    ///
    /// - Returns: the descriptor (blocking again) and the file's size.
    private static func openRegular(
        _ path: String,
        followLinks: Bool,
        check: (Status) throws(FileError) -> Void
    ) throws(FileError) -> (Int32, Int) {
        let flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | (followLinks ? 0 : O_NOFOLLOW)
        let fd: Int32
        switch POSIX.openFile(path, flags) {
        case .success(let descriptor):
            fd = descriptor
        case .failure(let error) where error.value == ELOOP && !followLinks:
            throw FileError(
                .invalidInput,
                "Refusing to read \"\(path)\": it is a symbolic link; give the path of the file itself.",
                path: path,
                systemErrorNumber: ELOOP
            )
        case .failure(let error):
            throw .file("read", path, errno: error.value)
        }
        do throws(FileError) {
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw .file("inspect", path, errno: errno) }
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw FileError(
                    .invalidInput,
                    "Refusing to read \"\(path)\": it is \(kindName(info.st_mode)), not a regular file.",
                    path: path
                )
            }
            try check(Status(owner: info.st_uid, permissions: info.st_mode & 0o7777))
            // Regular files never block; clearing the flag keeps later reads ordinary.
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            return (fd, Int(max(info.st_size, 0)))
        } catch {
            close(fd)
            throw error
        }
    }

    /// The refusal of a file past its size limit.
    private static func tooLarge(_ path: String, shown: String, noun: String, limit: Int) -> FileError {
        FileError(
            .invalidInput,
            "Refusing to read \(shown): it is larger than the limit of \(sizeText(limit)) for this \(noun).",
            path: path
        )
    }

    /// A byte count as people read it ("16 MiB (16777216 bytes)", "4096 bytes").
    static func sizeText(_ bytes: Int) -> String {
        let mebibyte = 1 << 20
        let kibibyte = 1 << 10
        if bytes >= mebibyte, bytes % mebibyte == 0 { return "\(bytes / mebibyte) MiB (\(bytes) bytes)" }
        if bytes >= kibibyte, bytes % kibibyte == 0 { return "\(bytes / kibibyte) KiB (\(bytes) bytes)" }
        return "\(bytes) bytes"
    }

    /// What a file type is called in a refusal.
    static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFDIR: "a directory"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symbolic link"
        default: "a special file"
        }
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
