import CfgRender
import CfgSecure
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes the set of rendered outputs into the output directory, all or nothing.
///
/// The guarantee: if any output cannot be prepared, nothing is replaced; once all are prepared they are renamed
/// in order; a crash during that step leaves each file either old or new, never partial. In detail:
/// 1. Check: every path stays inside the directory, no two outputs clash (`a` and `a/b`), and on disk no
///    directory below the trusted root is a symbolic link or open to other users, no file stands where a
///    directory must go, and nothing but a regular file stands where an output goes (``verify(_:)``, which
///    `--check` and `--diff` run too; it creates nothing).
/// 2. Lock: an exclusive `flock` on the output directory itself, so renders of one environment run one after
///    the other; stale temporaries of runs that were killed (`.NAME.tmp-` and 16 hex digits, regular files only)
///    are removed.
/// 3. Prepare: every output is written to a new temporary file (mode 0600) in its final directory and `fsync`ed.
///    On any failure every temporary and every directory this run created is removed, and no output is replaced.
/// 4. Switch: the temporaries are renamed over their outputs in the order given (`cfg render` gives path order)
///    and the directories `fsync`ed. Each rename is atomic; the set of renames is not one atomic step, so a crash
///    or a failed rename there can leave some outputs new and the rest old (a failed rename says how many).
package struct OutputWriter: Sendable {
    /// The output directory (absolute).
    package var directory: String
    /// The directory above the output directory that is opened as given (links in it followed).
    package var root: String
    /// The names from `root` down to `directory`, each opened without following a link.
    package var components: [String]

    /// An output directory whose parent is trusted as given (`--out DIR`).
    package init(directory: String) {
        let parts = Self.normalized(directory)
        let root = "/" + parts.dropLast().joined(separator: "/")
        self.init(root: root, components: parts.last.map { [$0] } ?? [])
    }

    /// An output directory at `root/components…` (the default `out/ENV` below the project directory).
    package init(root: String, components: [String]) {
        let rootParts = Self.normalized(root)
        let below = Self.normalized((rootParts + components).joined(separator: "/"))
        // `..` in a component may climb above the root; the root is then the common part.
        let common = zip(rootParts, below).prefix { $0 == $1 }.count
        self.root = "/" + below.prefix(common).joined(separator: "/")
        self.components = Array(below.dropFirst(common))
        self.directory = "/" + below.joined(separator: "/")
    }

    /// Checks the whole set against itself and against the file system, creating nothing.
    ///
    /// - Throws: `.validation` for paths that escape the directory or outputs that clash with each other;
    ///   `.output` for a symbolic link, a directory others can write to, or something in an output's way. Every
    ///   problem, one line each.
    package func verify(_ outputs: [RenderedOutput]) throws(EngineError) {
        let tree = OutputTree(root: root, components: components)
        _ = try check(outputs, in: tree)
    }

    /// The largest existing file ``existingContents(_:)`` reads (16 MiB).
    static let comparedFileLimit = 16 << 20

    /// The current contents of every output (nil for one that does not exist or is not UTF-8), after
    /// ``verify(_:)``; files are opened without following a link.
    package func existingContents(_ outputs: [RenderedOutput]) throws(EngineError) -> [String?] {
        let tree = OutputTree(root: root, components: components)
        let placed = try check(outputs, in: tree)
        var result: [String?] = []
        for place in placed {
            guard let directory = try? tree.directory(place.directory, create: false) else {
                result.append(nil)
                continue
            }
            let fd = openat(directory, place.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else {
                if errno == ENOENT {
                    result.append(nil)
                    continue
                }
                throw EngineError(.output, OutputTreeProblem.system("read", tree.absolute(place.relative), errno).line)
            }
            defer { close(fd) }
            // Checked again on the open file: something swapped in since the check is not read.
            var info = stat()
            guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
                throw EngineError(
                    .output,
                    "\"\(tree.absolute(place.relative))\" is not a regular file and an output file must go there; "
                        + "remove it."
                )
            }
            // Bounded: an output cfg writes is at most a template's output limit; a file far larger is not one.
            guard let data = Descriptor.read(fd, upTo: Self.comparedFileLimit + 1) else {
                throw EngineError(.output, "Could not read \"\(tree.absolute(place.relative))\".")
            }
            guard data.count <= Self.comparedFileLimit else {
                throw EngineError(
                    .output,
                    "\"\(tree.absolute(place.relative))\" is larger than 16 MiB, more than any output cfg writes, "
                        + "so --diff does not compare it; remove it, or render without --diff."
                )
            }
            result.append(String(validating: data, as: UTF8.self))
        }
        return result
    }

    /// Writes every output, all or nothing (see the type's documentation).
    ///
    /// - Throws: the problems of ``verify(_:)``, or `.output` naming the file that could not be prepared or
    ///   replaced.
    package func write(_ outputs: [RenderedOutput]) throws(EngineError) {
        let tree = OutputTree(root: root, components: components)
        let base = components.joined(separator: "/")
        let fd: Int32
        do throws(OutputTreeProblem) {
            guard let opened = try tree.directory(base, create: true) else {
                throw .system("open the directory", directory, ENOENT)
            }
            fd = opened
        } catch {
            throw EngineError(.output, error.line)
        }
        // Released when the tree closes the descriptor, also on a throw.
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let error = OutputTreeProblem.system("lock", directory, errno)
                tree.removeCreatedDirectories()
                throw EngineError(.output, error.line)
            }
        }
        let placed: [Placement]
        do throws(EngineError) {
            placed = try check(outputs, in: tree)
        } catch {
            tree.removeCreatedDirectories()
            throw error
        }
        var directories = Set(placed.map(\.directory))
        directories.insert(base)
        for relative in directories {
            if let open = try? tree.directory(relative, create: false) {
                StaleTemporaries.remove(in: open, where: AtomicFile.isTemporary)
            }
        }

        var prepared: [(place: Placement, descriptor: Int32, temporary: String)] = []
        func abandon(_ problem: String) -> EngineError {
            for item in prepared { unlinkat(item.descriptor, item.temporary, 0) }
            tree.removeCreatedDirectories()
            return EngineError(.output, problem)
        }
        for (output, place) in zip(outputs, placed) {
            let shown = tree.absolute(place.relative)
            let parent: Int32
            do throws(OutputTreeProblem) {
                guard let opened = try tree.directory(place.directory, create: true) else {
                    throw .system("open the directory", tree.absolute(place.directory), ENOENT)
                }
                parent = opened
            } catch {
                throw abandon(error.line)
            }
            switch OutputTemporary.create(Array(output.contents.utf8), for: place.name, in: parent) {
            case .success(let temporary):
                prepared.append((place, parent, temporary))
            case .failure(let failure):
                throw abandon(failure.line(shown) + "; no output was replaced.")
            }
        }
        for (index, item) in prepared.enumerated()
        where renameat(item.descriptor, item.temporary, item.descriptor, item.place.name) != 0 {
            let error = errno
            for rest in prepared[index...] { unlinkat(rest.descriptor, rest.temporary, 0) }
            tree.syncAll()
            throw EngineError(
                .output,
                "\(tree.absolute(item.place.relative)): could not replace the output "
                    + "(\(String(cString: strerror(error)))); \(index) of \(prepared.count) outputs were replaced "
                    + "before it, the rest were left as they were."
            )
        }
        tree.syncAll()
    }

    /// ``write(_:)`` on a thread of its own: waiting for another render's lock must not hold a thread of the
    /// cooperative pool.
    package func write(_ outputs: [RenderedOutput]) async throws(EngineError) {
        let result: Result<Void, EngineError> = await withCheckedContinuation { continuation in
            DetachedThread.start(name: "cfg-write") {
                do throws(EngineError) {
                    try self.write(outputs)
                    continuation.resume(returning: .success(()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        try result.get()
    }

    /// Where one output goes: its path relative to the root, its directory and its file name.
    struct Placement {
        var relative: String
        var directory: String
        var name: String
    }

    private func relativePaths(_ outputs: [RenderedOutput]) throws(EngineError) -> [String] {
        var problems: [String] = []
        var paths: [String] = []
        for output in outputs {
            do {
                paths.append(try OutputPath.resolve(output.path, in: ""))
            } catch {
                problems.append(error.description)
            }
        }
        if !problems.isEmpty { throw EngineError(.validation, problems) }
        return paths
    }

    /// Every check of ``verify(_:)`` on an open tree; the placements in the order of `outputs`.
    private func check(_ outputs: [RenderedOutput], in tree: OutputTree) throws(EngineError) -> [Placement] {
        let paths = try relativePaths(outputs)
        var problems: [String] = []
        // Outputs against each other: a path that is also a directory of another output.
        let files = Set(paths)
        for path in paths {
            var prefix = OutputTree.parent(of: path)
            while !prefix.isEmpty {
                if files.contains(prefix) {
                    problems.append(
                        "Outputs \"\(prefix)\" and \"\(path)\" clash: \"\(prefix)\" would be both a file and a "
                            + "directory; change one of the outputs' paths."
                    )
                }
                prefix = OutputTree.parent(of: prefix)
            }
        }
        if !problems.isEmpty { throw EngineError(.validation, problems) }

        let base = components.joined(separator: "/")
        var placed: [Placement] = []
        var reported: Set<String> = []
        for path in paths {
            let relative = base.isEmpty ? path : base + "/" + path
            let place = Placement(
                relative: relative,
                directory: OutputTree.parent(of: relative),
                name: OutputTree.name(of: relative)
            )
            placed.append(place)
            do throws(OutputTreeProblem) {
                guard let parent = try tree.directory(place.directory, create: false) else { continue }
                let shown = tree.absolute(relative)
                switch tree.entry(place.name, in: parent) {
                case .missing, .regularFile: break
                case .directory:
                    throw .refused("\"\(shown)\" is a directory where an output file must go; remove it.")
                case .symbolicLink:
                    throw .refused(
                        "\"\(shown)\" is a symbolic link where an output file must go; cfg does not follow it. "
                            + "Remove it."
                    )
                case .other:
                    throw .refused("\"\(shown)\" is not a regular file and an output file must go there; remove it.")
                }
            } catch {
                if reported.insert(error.line).inserted { problems.append(error.line) }
            }
        }
        if !problems.isEmpty { throw EngineError(.output, problems) }
        return placed
    }

    /// The components of an absolute path, with `.` dropped and `..` applied.
    private static func normalized(_ path: String) -> [String] {
        var parts: [String] = []
        for part in path.split(separator: "/") where part != "." {
            if part == ".." {
                _ = parts.popLast()
            } else {
                parts.append(String(part))
            }
        }
        return parts
    }
}
