import CfgBackend
import CfgSecure
import FoundationEssentials

/// The rule for the directories that hold the store and its key: owned by this user (or root) and not writable by
/// group or others, so no other user can replace, remove or roll back the files in them.
///
/// The same rule the secret-files directory applies to its parents, without the sticky-bit exception: a shared
/// directory such as `/tmp` is refused.
enum PrivateDirectory {
    /// The directory part of a file's path: `/a/b` → `/a`, `/b` → `/`, a bare name → "" (the working directory).
    static func parent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// Checks the directory that contains `path`.
    ///
    /// - Parameters:
    ///   - path: the file whose directory is checked.
    ///   - role: what the directory is, for the message ("key directory").
    ///   - risk: what another user could do, for the message ("replace the key").
    ///   - code: the error code of a refusal.
    ///   - unreadable: the error when the directory cannot be inspected.
    /// - Throws: a `BackendError` naming the directory, its owner or mode, and the fix.
    static func check(
        containing path: String,
        role: String,
        risk: String,
        code: BackendError.Code,
        unreadable: (FileError) -> BackendError
    ) throws(BackendError) {
        let parent = PrivateDirectory.parent(of: path)
        let directory = parent.isEmpty ? "." : parent
        let status: SecureFile.Status
        do {
            status = try SecureFile.directoryStatus(directory)
        } catch {
            throw unreadable(error)
        }
        guard status.owner == SecureFile.effectiveUser || status.owner == 0 else {
            throw BackendError(
                code,
                backend: BackendError.localKind,
                message:
                    "The \(role) \(directory) belongs to uid \(status.owner), not to this user (uid "
                    + "\(SecureFile.effectiveUser)) or root: its owner could \(risk). Use a directory of your own."
            )
        }
        guard status.permissions & 0o022 == 0 else {
            throw BackendError(
                code,
                backend: BackendError.localKind,
                message:
                    "The \(role) \(directory) is writable by group or others (mode "
                    + "\(LocalKey.octal(status.permissions))): another user could \(risk). "
                    + "Run `chmod 700 \(directory)`."
            )
        }
    }
}
