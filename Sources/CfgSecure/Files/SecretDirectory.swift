internal import CFileSystem

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// A private directory in memory (tmpfs or ramfs) that holds secret files, used through its open descriptor.
///
/// ``open(root:components:)`` creates `ROOT/C1/…/CN` with mode 0700 and keeps a descriptor of the last
/// directory; every later operation is relative to that descriptor, so a directory renamed or replaced by a
/// symbolic link afterwards cannot redirect a write. It refuses, before creating anything:
/// - a root whose nearest existing directory is not on tmpfs or ramfs (secrets are never written to disk);
/// - a component (`C1`…`CN`) that is a symbolic link or not a directory;
/// - a root or component that another user can write into (a group- or world-writable directory without the
///   sticky bit, or one owned by a user other than this one or root);
/// - a last directory not owned by this user or open to group or others.
///
/// Files are written atomically (``write(_:name:)``) with mode 0400; ``removeEntries(keeping:)`` removes stale
/// ones. `~Copyable`: the value owns the descriptor and closes it once.
package struct SecretDirectory: ~Copyable {
    /// The descriptor of the last directory.
    private let descriptor: Int32
    /// `ROOT/C1/…/CN`, for messages and for the paths given to other processes.
    package let path: String

    /// `statfs.f_type` of tmpfs (`TMPFS_MAGIC`).
    package static let tmpfsMagic: UInt32 = 0x0102_1994
    /// `statfs.f_type` of ramfs (`RAMFS_MAGIC`).
    package static let ramfsMagic: UInt32 = 0x8584_58f6

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        close(descriptor)
    }

    /// Creates (as needed) and opens `root/components…`, checking every rule above.
    ///
    /// - Parameters:
    ///   - root: an absolute path; it and its missing parents are created with mode 0700. Symbolic links in
    ///     it are followed (`/dev/shm` may be one).
    ///   - components: plain names below `root`, each opened without following a symbolic link.
    /// - Throws: `FileError` with `.invalidInput` for a refusal (not in memory, a symbolic link, wrong owner or
    ///   mode), otherwise the system's reason, naming the path.
    package static func open(root: String, components: [String]) throws(FileError) -> SecretDirectory {
        guard root.hasPrefix("/"), !root.utf8.contains(0) else {
            throw FileError(.invalidInput, "The secrets directory \"\(root)\" is not an absolute path.", path: root)
        }
        for component in components { try checkName(component) }
        try checkInMemory(existingAncestor(of: root), shownAs: root)
        try AtomicFile.createDirectory(root, mode: 0o700)
        var current: Int32
        switch POSIX.openFile(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) {
        case .success(let fd): current = fd
        case .failure(let error): throw .file("open directory", root, errno: error.value)
        }
        var path = root.hasSuffix("/") ? String(root.dropLast()) : root
        do throws(FileError) {
            try checkFileSystem(current, path: path)
            for component in components {
                try checkNotOpenToOthers(current, path: path)
                path += "/" + component
                let next = try openComponent(component, in: current, path: path)
                close(current)
                current = next
            }
            try checkPrivate(current, path: path)
            try checkFileSystem(current, path: path)
        } catch {
            close(current)
            throw error
        }
        return SecretDirectory(descriptor: current, path: path)
    }

    /// Atomically replaces the file `name` with `secret`, mode 0400.
    ///
    /// The bytes go to a new temporary file in this directory (`O_CREAT | O_EXCL | O_NOFOLLOW`, mode 0600),
    /// are `fsync`ed, the mode becomes 0400, and the file is renamed over `name`. On failure the temporary file
    /// is removed and an existing `name` is left as it was.
    ///
    /// - Throws: `FileError` naming the path (never the content).
    package func write(_ secret: Secret, name: String) throws(FileError) {
        try Self.checkName(name)
        let target = path + "/" + name
        let temporary = ".\(name).tmp-\(Hex.encode(SecureRandom.bytes(count: 8)))"
        let fd = openat(descriptor, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .file("write", target, errno: errno) }
        var failure: FileError?
        if let error = secret.withUnsafeBytes({ POSIX.writeAll(fd, $0) }) {
            failure = .file("write", target, errno: error.value)
        } else if let error = POSIX.sync(fd) {
            failure = .file("flush", target, errno: error.value)
        } else if fchmod(fd, 0o400) != 0 {
            failure = .file("set permissions on", target, errno: errno)
        }
        if close(fd) != 0, failure == nil, errno != EINTR {
            failure = .file("write", target, errno: errno)
        }
        if failure == nil, renameat(descriptor, temporary, descriptor, name) != 0 {
            failure = .file("replace", target, errno: errno)
        }
        if let failure {
            unlinkat(descriptor, temporary, 0)
            throw failure
        }
        _ = POSIX.sync(descriptor)
    }

    /// The names of the entries in this directory (not `.` and `..`), sorted.
    package func names() throws(FileError) -> [String] {
        try Self.entries(of: descriptor, path: path)
    }

    /// Removes every entry that is not a directory and not in `names` (stale secrets, leftover temporary files).
    ///
    /// - Throws: `FileError` for an entry that cannot be removed.
    package func removeEntries(keeping names: Set<String>) throws(FileError) {
        for entry in try self.names() where !names.contains(entry) {
            if unlinkat(descriptor, entry, 0) != 0, errno != ENOENT, errno != EISDIR {
                throw .file("remove", path + "/" + entry, errno: errno)
            }
        }
    }

    /// Best effort: removes the files in `root/components…` and that last directory, without following a
    /// symbolic link below `root`. Errors are ignored (used on the way out).
    package static func remove(root: String, components: [String]) {
        guard let last = components.last, (try? checkName(last)) != nil else { return }
        guard case .success(var parent) = POSIX.openFile(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) else { return }
        defer { close(parent) }
        for component in components.dropLast() {
            let next = openat(parent, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else { return }
            close(parent)
            parent = next
        }
        let directory = openat(parent, last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directory >= 0 else { return }
        for entry in (try? entries(of: directory, path: last)) ?? [] {
            unlinkat(directory, entry, 0)
        }
        close(directory)
        unlinkat(parent, last, AT_REMOVEDIR)
    }

    // MARK: Checks

    /// A plain name: not empty, `.` or `..`, without `/` or NUL.
    private static func checkName(_ name: String) throws(FileError) {
        guard !name.isEmpty, name != ".", name != "..", !name.utf8.contains(UInt8(ascii: "/")), !name.utf8.contains(0)
        else {
            throw FileError(.invalidInput, "\"\(name)\" is not a plain file name.")
        }
    }

    /// Opens (creating it with mode 0700 if missing) one component below `parent`, refusing a symbolic link.
    private static func openComponent(_ name: String, in parent: Int32, path: String) throws(FileError) -> Int32 {
        if mkdirat(parent, name, 0o700) != 0, errno != EEXIST {
            throw .file("create directory", path, errno: errno)
        }
        let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let error = errno
            if error == ELOOP || error == ENOTDIR {
                throw FileError(
                    .invalidInput,
                    "Refusing to write secret files into \"\(path)\": it is a symbolic link or not a directory.",
                    path: path,
                    systemErrorNumber: error
                )
            }
            throw .file("open directory", path, errno: error)
        }
        return fd
    }

    /// The directory's owner and mode, after `fstat`.
    private static func status(_ fd: Int32, path: String) throws(FileError) -> stat {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .file("inspect", path, errno: errno) }
        return info
    }

    /// No other user may add, remove or rename entries: owned by this user or root, and not writable by group or
    /// others unless the sticky bit is set (as on `/dev/shm` itself).
    private static func checkNotOpenToOthers(_ fd: Int32, path: String) throws(FileError) {
        let info = try status(fd, path: path)
        let owner = info.st_uid == geteuid() || info.st_uid == 0
        let writable = info.st_mode & 0o022 != 0 && info.st_mode & S_ISVTX == 0
        guard owner, !writable else {
            throw FileError(
                .invalidInput,
                "Refusing to write secret files under \"\(path)\": another user can change it (owner uid "
                    + "\(info.st_uid), mode \(octal(info.st_mode & 0o7777))).",
                path: path
            )
        }
    }

    /// The last directory: owned by this user, nothing for group or others.
    private static func checkPrivate(_ fd: Int32, path: String) throws(FileError) {
        let info = try status(fd, path: path)
        guard info.st_uid == geteuid(), info.st_mode & 0o077 == 0 else {
            throw FileError(
                .invalidInput,
                "Refusing to write secret files into \"\(path)\": it must belong to this user (uid \(geteuid())) "
                    + "and be closed to group and others (mode 0700), but it belongs to uid \(info.st_uid) with mode "
                    + "\(octal(info.st_mode & 0o7777)).",
                path: path
            )
        }
    }

    /// The file system of an open directory is tmpfs or ramfs.
    private static func checkFileSystem(_ fd: Int32, path: String) throws(FileError) {
        var type: UInt = 0
        guard cfg_fstatfs_type(fd, &type) == 0 else { throw .file("inspect", path, errno: errno) }
        try checkType(UInt32(truncatingIfNeeded: type), path: path)
    }

    /// The file system of an existing path is tmpfs or ramfs; `shownAs` is the directory that was asked for.
    private static func checkInMemory(_ existing: String, shownAs path: String) throws(FileError) {
        var type: UInt = 0
        guard cfg_statfs_type(existing, &type) == 0 else { throw .file("inspect", existing, errno: errno) }
        try checkType(UInt32(truncatingIfNeeded: type), path: path)
    }

    private static func checkType(_ type: UInt32, path: String) throws(FileError) {
        guard type == tmpfsMagic || type == ramfsMagic else {
            throw FileError(
                .invalidInput,
                "Refusing to write secret files under \"\(path)\": it is on \(fileSystemName(type)), not tmpfs or "
                    + "ramfs, and secrets are not written to disk; use a directory in memory (such as /dev/shm/cfg).",
                path: path
            )
        }
    }

    /// Whether `path` (which must exist) is on tmpfs or ramfs; nil when it cannot be inspected.
    package static func isInMemory(_ path: String) -> Bool? {
        var type: UInt = 0
        guard cfg_statfs_type(path, &type) == 0 else { return nil }
        let magic = UInt32(truncatingIfNeeded: type)
        return magic == tmpfsMagic || magic == ramfsMagic
    }

    /// The nearest existing directory at or above `path` (where a new directory would be created).
    private static func existingAncestor(of path: String) -> String {
        var candidate = path
        while true {
            var info = stat()
            if stat(candidate, &info) == 0 { return candidate }
            let parent = POSIX.directoryName(candidate)
            if parent == candidate { return candidate }
            candidate = parent
        }
    }

    /// A file system's common name for messages, else its magic number.
    static func fileSystemName(_ type: UInt32) -> String {
        switch type {
        case 0xEF53: "ext2/ext3/ext4"
        case 0x5846_5342: "xfs"
        case 0x9123_683E: "btrfs"
        case 0x794C_7630: "overlayfs"
        case 0x6969: "nfs"
        case 0x6573_5546: "a FUSE file system"
        default: "a file system of type 0x" + String(type, radix: 16)
        }
    }

    private static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The entry names of an open directory, sorted.
    private static func entries(of fd: Int32, path: String) throws(FileError) -> [String] {
        switch POSIX.entryNames(fd) {
        case .success(let names): names.sorted()
        case .failure(let error): throw .file("list", path, errno: error.value)
        }
    }
}
