#if canImport(Glibc)
package import Glibc
#elseif canImport(Darwin)
package import Darwin
#endif

/// Atomic, durable file replacement and private directory creation.
///
/// A write goes to a uniquely named temporary file in the target's directory (created with
/// `O_CREAT | O_EXCL | O_CLOEXEC` and mode 0600, then `fchmod`ed to the requested mode, so the
/// umask never widens it), is written completely and `fsync`ed, then `rename`d over the target,
/// and finally the directory is `fsync`ed. Readers see either the old file or the new one. On any
/// failure the temporary file is removed and an existing target is left untouched.
package enum AtomicFile {
    /// Atomically replaces `path` with `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: the new content.
    ///   - path: the target file.
    ///   - mode: the permission bits of the new file (default 0600).
    /// - Throws: `FileError` naming the path and the system's reason.
    package static func write(_ bytes: some Collection<UInt8>, to path: String, mode: mode_t = 0o600) throws(FileError)
    {
        try withContiguousBytes(bytes) { (buffer) throws(FileError) -> Void in
            try write(buffer, to: path, mode: mode)
        }
    }

    /// Atomically replaces `path` with the bytes of a secret.
    ///
    /// - Throws: `FileError` naming the path and the system's reason (never the content).
    package static func write(_ secret: Secret, to path: String, mode: mode_t = 0o600) throws(FileError) {
        try secret.withUnsafeBytes { (buffer) throws(FileError) -> Void in
            try write(buffer, to: path, mode: mode)
        }
    }

    /// Creates `path` and any missing parents with `mode` (like `mkdir -p`).
    ///
    /// Existing directories are accepted as they are; their mode is not changed.
    ///
    /// - Throws: `FileError` if a component cannot be created or exists and is not a directory.
    package static func createDirectory(_ path: String, mode: mode_t = 0o700) throws(FileError) {
        guard !path.isEmpty else {
            throw FileError(.invalidInput, "Could not create a directory: the path is empty.")
        }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += prefix.isEmpty || prefix.hasSuffix("/") ? String(component) : "/" + component
            if mkdir(prefix, mode) == 0 { continue }
            let error = errno
            var info = stat()
            if error == EEXIST, stat(prefix, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                continue
            }
            if error == EEXIST {
                throw FileError(
                    .io,
                    "Could not create directory \"\(prefix)\": a file that is not a directory is in the way.",
                    path: prefix,
                    systemErrorNumber: error
                )
            }
            throw FileError.file("create directory", prefix, errno: error)
        }
    }

    /// Creates `path` holding `secret` only if nothing exists at that name yet; an existing file is never
    /// replaced, even by a concurrent writer.
    ///
    /// The content goes to a complete, `fsync`ed temporary file (mode `mode`) first, which is then hard-linked
    /// to `path` with `link(2)`: that fails with `EEXIST` when the name is taken, and otherwise makes a whole
    /// file appear at once, so no reader ever sees it half-written. The temporary is removed either way.
    ///
    /// - Returns: `true` if this call created `path`, `false` if a file (or anything else) was already there.
    /// - Throws: `FileError` naming the path and the system's reason (never the content).
    package static func create(_ secret: Secret, at path: String, mode: mode_t = 0o600) throws(FileError) -> Bool {
        try secret.withUnsafeBytes { (buffer) throws(FileError) -> Bool in
            let directory = POSIX.directoryName(path)
            let temporaryPath = try writeTemporary(buffer, for: path, in: directory, mode: mode)
            defer { unlink(temporaryPath) }
            guard link(temporaryPath, path) == 0 else {
                let error = errno
                if error == EEXIST { return false }
                throw .file("create", path, errno: error)
            }
            syncDirectory(directory)
            return true
        }
    }

    /// The name prefix of the temporary files that writes of `path` use: `.NAME.tmp-`.
    package static func temporaryPrefix(for path: String) -> String {
        "." + POSIX.baseName(path) + ".tmp-"
    }

    /// Whether `name` (an entry of the target's directory) is one of the temporary files of `path`:
    /// ``temporaryPrefix(for:)`` followed by exactly 16 lowercase hex digits.
    package static func isTemporary(_ name: String, of path: String) -> Bool {
        let prefix = temporaryPrefix(for: path)
        guard name.hasPrefix(prefix) else { return false }
        let suffix = name.utf8.dropFirst(prefix.utf8.count)
        return suffix.count == temporarySuffixLength
            && suffix.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Whether `name` is the temporary of any file: `.` + a non-empty name + `.tmp-` + 16 lowercase hex digits.
    package static func isTemporary(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        let marker = Array(".tmp-".utf8)
        let tail = marker.count + temporarySuffixLength
        guard bytes.count > 1 + tail, bytes[0] == UInt8(ascii: ".") else { return false }
        let isHex = bytes.suffix(temporarySuffixLength).allSatisfy {
            (0x30...0x39).contains($0) || (0x61...0x66).contains($0)
        }
        return isHex && Array(bytes.suffix(tail).prefix(marker.count)) == marker
    }

    /// The random part of a temporary name: 8 bytes as hex.
    static let temporarySuffixLength = 16

    /// The write protocol itself, over a raw buffer.
    ///
    /// - Parameter beforeRename: a hook for tests to inject a failure after the temporary file is
    ///   complete; production callers use the default, which does nothing.
    static func write(
        _ buffer: UnsafeRawBufferPointer,
        to path: String,
        mode: mode_t,
        beforeRename: () throws(FileError) -> Void = {}
    ) throws(FileError) {
        let directory = POSIX.directoryName(path)
        let temporaryPath = try writeTemporary(buffer, for: path, in: directory, mode: mode)
        var failure: FileError?
        do throws(FileError) {
            try beforeRename()
        } catch {
            failure = error
        }
        if failure == nil, rename(temporaryPath, path) != 0 {
            failure = .file("replace", path, errno: errno)
        }
        if let failure {
            unlink(temporaryPath)
            throw failure
        }
        syncDirectory(directory)
    }

    /// Writes `buffer` to a new temporary file next to `path`, with `mode`, flushed and closed.
    ///
    /// - Returns: the temporary file's path; on failure it is removed before the error is thrown.
    private static func writeTemporary(
        _ buffer: UnsafeRawBufferPointer,
        for path: String,
        in directory: String,
        mode: mode_t
    ) throws(FileError) -> String {
        let (fd, temporaryPath) = try createTemporary(for: path, in: directory)
        var failure: FileError?
        if fchmod(fd, mode) != 0 {
            failure = .file("set permissions on", path, errno: errno)
        } else if let error = POSIX.writeAll(fd, buffer) {
            failure = .file("write", path, errno: error.value)
        } else if let error = POSIX.sync(fd) {
            failure = .file("flush", path, errno: error.value)
        }
        if close(fd) != 0, failure == nil, errno != EINTR {
            failure = .file("write", path, errno: errno)
        }
        if let failure {
            unlink(temporaryPath)
            throw failure
        }
        return temporaryPath
    }

    /// Creates a new, empty temporary file next to `path` with a random name and mode 0600.
    private static func createTemporary(for path: String, in directory: String) throws(FileError) -> (Int32, String) {
        let stem = directory + "/" + temporaryPrefix(for: path)
        for _ in 0..<16 {
            let candidate = stem + Hex.encode(SecureRandom.bytes(count: temporarySuffixLength / 2))
            switch POSIX.openFile(candidate, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600) {
            case .success(let fd):
                return (fd, candidate)
            case .failure(let error) where error.value == EEXIST:
                continue
            case .failure(let error):
                throw .file("write", path, errno: error.value)
            }
        }
        throw .file("write", path, errno: EEXIST)
    }

    /// Makes the rename durable. Failure here is not reported: the new content is already in place.
    private static func syncDirectory(_ directory: String) {
        guard case .success(let fd) = POSIX.openFile(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) else { return }
        _ = POSIX.sync(fd)
        close(fd)
    }
}
