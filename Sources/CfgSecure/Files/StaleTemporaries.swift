#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Removes the temporary files a killed writer left next to a file it was replacing (`.NAME.tmp-` and 16 hex
/// digits, the names ``AtomicFile`` uses).
///
/// Such a temporary may hold a complete copy of a secret. Call ``remove(for:)`` only while holding the lock that
/// every writer of the file holds: then no temporary of that file can belong to a live writer. Only entries that
/// match the file's own temporary pattern exactly and are regular files are removed; a symbolic link, a
/// directory or any other name is left alone, and `unlink` never follows a link.
package enum StaleTemporaries {
    /// Removes the stale temporaries of `path` from its directory, best effort.
    ///
    /// - Parameter path: the file whose temporaries are removed (it need not exist).
    /// - Returns: the names removed, sorted (empty when the directory cannot be read).
    @discardableResult
    package static func remove(for path: String) -> [String] {
        let directory = POSIX.directoryName(path)
        guard case .success(let fd) = POSIX.openFile(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) else { return [] }
        defer { close(fd) }
        let removed = remove(in: fd) { AtomicFile.isTemporary($0, of: path) }
        if !removed.isEmpty { _ = POSIX.sync(fd) }
        return removed
    }

    /// Removes every entry of an open directory whose name `isStale` accepts and that is a regular file (a link
    /// or a directory of that name is left alone; `unlinkat` never follows a link), best effort.
    ///
    /// - Parameters:
    ///   - directory: an open directory descriptor (the caller holds the lock of every writer into it).
    ///   - isStale: which names are temporaries to remove, e.g. ``AtomicFile/isTemporary(_:)``.
    /// - Returns: the names removed, sorted.
    @discardableResult
    package static func remove(in directory: Int32, where isStale: (String) -> Bool) -> [String] {
        var removed: [String] = []
        for name in (try? POSIX.entryNames(directory).get()) ?? [] where isStale(name) {
            var info = stat()
            guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT == S_IFREG else {
                continue
            }
            if unlinkat(directory, name, 0) == 0 { removed.append(name) }
        }
        return removed.sorted()
    }
}
