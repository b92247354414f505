#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The output directory and the directories below it, opened one component at a time without following a
/// symbolic link, for one render.
///
/// The trusted root (the project directory, or the parent of `--out DIR`) is opened as given; every directory
/// from there down (`out`, `ENV`, `ecs`, …) is opened with `O_NOFOLLOW`, relative to its parent's descriptor, so
/// a link put in the way cannot redirect a write. The rules are the secret-files directory's: a directory cfg
/// writes into or creates must not be a symbolic link, must belong to this user or root, and must not be
/// writable by group or others; the root may be shared only when its sticky bit is set (as `/tmp`).
///
/// Owns the descriptors it opens and closes them in `deinit`. Not thread-safe: one render uses it.
final class OutputTree {
    /// The trusted root, opened following links.
    let root: String
    /// The names from the root down to the output directory.
    let components: [String]
    /// The output directory, for messages.
    var path: String { ([root == "/" ? "" : root] + components).joined(separator: "/") }

    /// Open directories by their path relative to the root (`""` is the root itself).
    private var descriptors: [String: Int32] = [:]
    /// Directories this run created, by path relative to the root, in creation order.
    private(set) var created: [String] = []

    init(root: String, components: [String]) {
        self.root = root
        self.components = components
    }

    deinit {
        for descriptor in descriptors.values { close(descriptor) }
    }

    /// What is at a path, seen without following a link.
    enum Entry: Equatable {
        case missing
        case directory
        case regularFile
        case symbolicLink
        case other
    }

    /// Opens the directory `relative` (components below the root joined by `/`, `""` for the root), creating
    /// missing ones with mode 0700 when `create` is true.
    ///
    /// - Returns: the descriptor, or nil when the directory (or one above it) does not exist and `create` is false.
    /// - Throws: one value-free line naming the directory, for a link, a file in the way, a directory others can
    ///   write to, or a system error.
    func directory(_ relative: String, create: Bool) throws(OutputTreeProblem) -> Int32? {
        if let open = descriptors[relative] { return open }
        if relative.isEmpty {
            return try openRoot(create: create)
        }
        let parentPath = Self.parent(of: relative)
        guard let parent = try directory(parentPath, create: create) else { return nil }
        let name = Self.name(of: relative)
        let shown = absolute(relative)
        if create {
            if mkdirat(parent, name, 0o700) == 0 {
                created.append(relative)
            } else if errno != EEXIST {
                throw .system("create the directory", shown, errno)
            }
        }
        let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let error = errno
            switch entry(name, in: parent) {
            case .missing where !create: return nil
            case .symbolicLink:
                throw .refused(
                    "\"\(shown)\" is a symbolic link, and cfg does not follow links below \"\(root)\"; replace it "
                        + "with a directory."
                )
            case .regularFile, .other:
                throw .refused(
                    "\"\(shown)\" is a file where a directory must go; remove it or change the outputs' paths."
                )
            default: throw .system("open the directory", shown, error)
            }
        }
        descriptors[relative] = fd
        try checkNotOpenToOthers(fd, shown: shown, allowSticky: false)
        return fd
    }

    /// What is at `name` in an open directory, without following a link.
    func entry(_ name: String, in directory: Int32) -> Entry {
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            return errno == ENOENT ? .missing : .other
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regularFile
        case S_IFLNK: return .symbolicLink
        default: return .other
        }
    }

    /// The absolute path of a directory or file given relative to the root.
    func absolute(_ relative: String) -> String {
        relative.isEmpty ? root : (root.hasSuffix("/") ? root : root + "/") + relative
    }

    /// Removes the directories this run created (only empty ones are removed), newest first.
    func removeCreatedDirectories() {
        for relative in created.reversed() {
            if let fd = descriptors.removeValue(forKey: relative) { close(fd) }
            if let parent = descriptors[Self.parent(of: relative)] {
                unlinkat(parent, Self.name(of: relative), AT_REMOVEDIR)
            }
        }
        created = []
    }

    /// Flushes every open directory (renames and new entries become durable). Failures are not reported: the
    /// files are already in place.
    func syncAll() {
        for descriptor in descriptors.values { _ = fsync(descriptor) }
    }

    private func openRoot(create: Bool) throws(OutputTreeProblem) -> Int32? {
        var fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0, errno == ENOENT {
            guard create else { return nil }
            var prefix = root.hasPrefix("/") ? "" : "."
            for component in root.split(separator: "/") {
                prefix += "/" + component
                if mkdir(prefix, 0o700) != 0, errno != EEXIST {
                    throw .system("create the directory", prefix, errno)
                }
            }
            fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        guard fd >= 0 else {
            let error = errno
            if error == ENOTDIR {
                throw .refused("\"\(root)\" is not a directory; the output directory cannot be created below it.")
            }
            throw .system("open the directory", root, error)
        }
        descriptors[""] = fd
        try checkNotOpenToOthers(fd, shown: root, allowSticky: true)
        return fd
    }

    /// No other user may add, remove or rename entries: owned by this user or root, and not writable by group
    /// or others (unless `allowSticky` and the sticky bit is set).
    private func checkNotOpenToOthers(_ fd: Int32, shown: String, allowSticky: Bool) throws(OutputTreeProblem) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .system("inspect", shown, errno) }
        let owner = info.st_uid == geteuid() || info.st_uid == 0
        let writable = info.st_mode & 0o022 != 0 && !(allowSticky && info.st_mode & S_ISVTX != 0)
        guard owner, !writable else {
            throw .refused(
                "Refusing to write outputs under \"\(shown)\": another user can change it (owner uid \(info.st_uid), "
                    + "mode \(Self.octal(info.st_mode & 0o7777))); make it belong to uid \(geteuid()) and run "
                    + "chmod go-w on it."
            )
        }
    }

    static func parent(of relative: String) -> String {
        guard let slash = relative.lastIndex(of: "/") else { return "" }
        return String(relative[..<slash])
    }

    static func name(of relative: String) -> String {
        guard let slash = relative.lastIndex(of: "/") else { return relative }
        return String(relative[relative.index(after: slash)...])
    }

    static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// Why the output tree cannot be used: a refusal (a sentence) or a system error on a path.
enum OutputTreeProblem: Error {
    case refused(String)
    case system(String, String, Int32)

    /// One line, value-free.
    var line: String {
        switch self {
        case .refused(let line): line
        case .system(let action, let path, let error):
            "Could not \(action) \"\(path)\": \(String(cString: strerror(error)))."
        }
    }
}
