#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Advisory, exclusive inter-process locks with `flock(2)`.
///
/// Used to serialise writers of the same file (for example two `cfg rotate` runs). The lock file
/// is created with mode 0600 if missing and is left in place afterwards (removing it would race
/// with a process about to lock it); a symbolic link in its place is refused, not followed. Acquisition blocks; do not call it on the cooperative pool.
package enum FileLock {
    /// Runs `body` while holding an exclusive lock on `lockPath`, waiting for other holders.
    ///
    /// - Throws: `FileError` if the lock file cannot be opened or locked, or whatever `body` throws.
    package static func withExclusiveLock<R, E: Error>(
        at lockPath: String,
        _ body: () throws(E) -> R
    ) throws -> R {
        let fd: Int32
        switch POSIX.openFile(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600) {
        case .success(let descriptor):
            fd = descriptor
        case .failure(let error):
            throw FileError.file("open lock file", lockPath, errno: error.value)
        }
        // Closing the descriptor releases the lock, also when `body` throws.
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            let error = errno
            if error != EINTR {
                throw FileError.file("lock", lockPath, errno: error)
            }
        }
        return try body()
    }
}
