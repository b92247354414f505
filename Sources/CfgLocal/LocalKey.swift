package import CfgBackend
package import CfgSecure
import FoundationEssentials
import Glibc

/// Finds, reads and creates the 32-byte key of an environment's local store.
///
/// Precedence: the `CFG_LOCAL_KEY` environment variable (base64 of exactly 32 bytes) wins when it is set and not
/// empty; otherwise the key file: the explicit path (a leading `~/` is expanded with `HOME`), or by default
/// `$XDG_CONFIG_HOME/cfg/keys/ENV.key`, else `$HOME/.config/cfg/keys/ENV.key`. A key file holds base64 of 32
/// bytes and an optional newline; it must be a regular file of at most ``maximumFileSize`` bytes, owned by this
/// user and closed to group and others, in a directory that only this user (or root) can write.
///
/// Errors name the file or the variable, never their content.
package enum LocalKey {
    /// The environment variable holding a base64 key.
    package static let environmentVariable = "CFG_LOCAL_KEY"
    /// The key length in bytes.
    package static let byteCount = 32

    /// Loads the key of an environment.
    ///
    /// - Parameters:
    ///   - environmentName: the environment (names the default key file).
    ///   - keyFile: an explicit key file, or `nil` for the default location.
    ///   - processEnvironment: the process environment (injected for tests).
    /// - Throws: `.authenticationFailed` when there is no key, the key is malformed, or the key file is readable
    ///   by group or others; `.invalidRequest` for an unusable environment name or path.
    package static func load(
        environmentName: String,
        keyFile: String?,
        processEnvironment: [String: String]
    ) throws(BackendError) -> Secret {
        if let text = processEnvironment[environmentVariable], !text.isEmpty {
            // The variable's value is a Swift String that cannot be zeroed; the decoded key is a Secret.
            let key: Secret
            do {
                key = try Base64Codec.decode(text, variant: .standard)
            } catch {
                throw invalidKey(source: "The \(environmentVariable) environment variable")
            }
            guard key.count == byteCount else {
                throw invalidKey(source: "The \(environmentVariable) environment variable")
            }
            return key
        }
        let path = try resolvePath(
            environmentName: environmentName,
            keyFile: keyFile,
            processEnvironment: processEnvironment
        )
        let content: Secret
        do {
            content = try SecureFile.readRegular(path, limit: maximumFileSize, followLinks: true) {
                (status) throws(FileError) in try checkKeyFile(status, path: path)
            }
        } catch {
            if error.code == .notFound {
                throw BackendError(
                    .authenticationFailed,
                    backend: BackendError.localKind,
                    message:
                        "No key for the local store of environment \"\(environmentName)\": \(environmentVariable) "
                        + "is not set and the key file \(path) does not exist. Run `cfg init \(environmentName)` "
                        + "or set \(environmentVariable)."
                )
            }
            if error.code == .invalidInput {
                throw BackendError(.authenticationFailed, backend: BackendError.localKind, message: error.description)
            }
            throw unreadable(path, reason: error.description)
        }
        try checkDirectory(of: path)
        let key: Secret
        do {
            key = try Base64Codec.decode(withoutTrailingNewline(content), variant: .standard)
        } catch {
            throw invalidKey(source: "The key file \(path)")
        }
        guard key.count == byteCount else {
            throw invalidKey(source: "The key file \(path)")
        }
        return key
    }

    /// The largest key file read: a key is 44 base64 characters and a newline, so anything near this is not a key.
    package static let maximumFileSize = 1024

    /// Generates a new key and writes it to the key file (base64 and a newline, mode 0600, in a 0700 directory).
    ///
    /// The file is created exclusively (see ``AtomicFile/create(_:at:mode:)``): a complete file appears at once
    /// or not at all, and an existing key is never replaced, even by a concurrent `cfg init`. Creation holds the
    /// lock `KEYFILE.lock` in the key directory, under which stale temporaries of the key file are removed first.
    ///
    /// - Returns: the key and the file it was written to.
    /// - Throws: `.conflict` if the key file exists (it is never overwritten); `.unreachable` if it cannot be
    ///   written; `.authenticationFailed` for a key directory that another user can change; `.invalidRequest` for
    ///   an unusable environment name or path.
    package static func create(
        environmentName: String,
        keyFile: String?,
        processEnvironment: [String: String]
    ) throws(BackendError) -> (key: Secret, path: String) {
        let path = try resolvePath(
            environmentName: environmentName,
            keyFile: keyFile,
            processEnvironment: processEnvironment
        )
        let key = SecureRandom.secret(count: byteCount)
        guard try createFileIfMissing(for: key, at: path, refusal: nil) else {
            throw BackendError(
                .conflict,
                backend: BackendError.localKind,
                message: "A key file already exists at \(path); refusing to overwrite it."
            )
        }
        return (key, path)
    }

    /// The key file `load` would read (`nil` when `CFG_LOCAL_KEY` provides the key).
    package static func filePath(
        environmentName: String,
        keyFile: String?,
        processEnvironment: [String: String]
    ) throws(BackendError) -> String? {
        if let text = processEnvironment[environmentVariable], !text.isEmpty { return nil }
        return try resolvePath(
            environmentName: environmentName,
            keyFile: keyFile,
            processEnvironment: processEnvironment
        )
    }

    /// Under the key file's lock (`KEYFILE.lock`): removes stale temporaries of the key file, then writes `key`
    /// to a new key file at `path` unless one exists.
    ///
    /// - Parameter refusal: when not `nil`, a missing key file is not created and this error is thrown instead.
    /// - Returns: whether this call created the file.
    static func createFileIfMissing(
        for key: Secret,
        at path: String,
        refusal: BackendError?
    ) throws(BackendError) -> Bool {
        let encoded = Base64Codec.encode(key, variant: .standard)
        let content = encoded.withUnsafeBytes { encodedBytes in
            Secret(count: encodedBytes.count + 1) { buffer in
                buffer.copyMemory(from: encodedBytes)
                buffer[encodedBytes.count] = UInt8(ascii: "\n")
            }
        }
        let directory = PrivateDirectory.parent(of: path)
        do {
            if !directory.isEmpty {
                try AtomicFile.createDirectory(directory, mode: 0o700)
            }
        } catch {
            throw unwritable(path, reason: error.description)
        }
        try checkDirectory(of: path)
        let outcome: Result<Bool, BackendError>
        do {
            outcome = try FileLock.withExclusiveLock(at: path + ".lock") { () -> Result<Bool, BackendError> in
                StaleTemporaries.remove(for: path)
                if exists(path) { return .success(false) }
                if let refusal { return .failure(refusal) }
                do throws(FileError) {
                    return .success(try AtomicFile.create(content, at: path, mode: 0o600))
                } catch {
                    return .failure(unwritable(path, reason: error.description))
                }
            }
        } catch let error as FileError {
            throw unwritable(path, reason: error.description)
        } catch {
            throw unwritable(path, reason: "the lock file \(path).lock could not be locked.")
        }
        return try outcome.get()
    }

    /// Whether anything (a file, a link, even a dangling one) is at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// The key file must belong to this user and be closed to group and others.
    private static func checkKeyFile(_ status: SecureFile.Status, path: String) throws(FileError) {
        try checkPrivateFile(status, path: path, what: "The key file")
    }

    /// A file cfg trusts with a secret (the key file, the store) must belong to this user, since another user could
    /// have written it, and be closed to group and others.
    ///
    /// - Parameter what: the file's description at the start of a sentence (`The key file`).
    static func checkPrivateFile(_ status: SecureFile.Status, path: String, what: String) throws(FileError) {
        let user = SecureFile.effectiveUser
        guard status.owner == user else {
            throw FileError(
                .invalidInput,
                "\(what) \(path) belongs to uid \(status.owner), not to this user (uid \(user)): another user could "
                    + "have written it. Check where it came from, then `chown \(user) \(path)`.",
                path: path
            )
        }
        guard status.permissions & 0o077 == 0 else {
            throw FileError(
                .invalidInput,
                "\(what) \(path) is readable by group or others (mode \(octal(status.permissions))). "
                    + "Run `chmod 600 \(path)`.",
                path: path
            )
        }
    }

    /// The key file's directory must belong to this user (or root) and not be writable by group or others, so no
    /// other user can put a key of their own in its place.
    static func checkDirectory(of path: String) throws(BackendError) {
        try PrivateDirectory.check(
            containing: path,
            role: "key directory",
            risk: "replace the key",
            code: .authenticationFailed
        ) { (error) -> BackendError in unreadable(path, reason: error.description) }
    }

    /// A mode as four octal digits (`0644`).
    static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The default key file of an environment: `$XDG_CONFIG_HOME/cfg/keys/ENV.key`, else
    /// `$HOME/.config/cfg/keys/ENV.key`.
    package static func defaultKeyPath(environmentName: String, processEnvironment: [String: String]) -> String {
        let configHome: String
        if let xdg = processEnvironment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            configHome = xdg
        } else {
            configHome = home(processEnvironment) + "/.config"
        }
        return configHome + "/cfg/keys/\(environmentName).key"
    }

    // MARK: - Helpers

    /// The key file to use: the explicit one (with `~/` expanded) or the default.
    static func resolvePath(
        environmentName: String,
        keyFile: String?,
        processEnvironment: [String: String]
    ) throws(BackendError) -> String {
        guard let keyFile else {
            guard isSafeFileName(environmentName) else {
                throw BackendError(
                    .invalidRequest,
                    backend: BackendError.localKind,
                    message:
                        "\"\(environmentName)\" cannot name a key file: use letters, digits, '.', '_' and '-', "
                        + "or give the key file's path."
                )
            }
            return defaultKeyPath(environmentName: environmentName, processEnvironment: processEnvironment)
        }
        guard !keyFile.isEmpty else {
            throw BackendError(.invalidRequest, backend: BackendError.localKind, message: "The key file path is empty.")
        }
        if keyFile == "~" || keyFile.hasPrefix("~/") {
            return home(processEnvironment) + keyFile.dropFirst()
        }
        return keyFile
    }

    /// `HOME` from the environment, else the user's home directory.
    private static func home(_ processEnvironment: [String: String]) -> String {
        if let home = processEnvironment["HOME"], !home.isEmpty {
            return home.hasSuffix("/") && home.count > 1 ? String(home.dropLast()) : home
        }
        return FileManager.default.homeDirectoryForCurrentUser.path
    }

    /// Whether an environment name is usable as a file name (no separators, not hidden).
    private static func isSafeFileName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first != "." else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                    || ".-_".unicodeScalars.contains(scalar))
        }
    }

    /// The key file's content without one trailing `\n` or `\r\n`.
    private static func withoutTrailingNewline(_ content: Secret) -> Secret {
        content.withUnsafeBytes { bytes in
            var count = bytes.count
            if count > 0, bytes[count - 1] == UInt8(ascii: "\n") {
                count -= 1
                if count > 0, bytes[count - 1] == UInt8(ascii: "\r") {
                    count -= 1
                }
            }
            guard count != bytes.count else { return content }
            return Secret(count: count) { buffer in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<count]))
            }
        }
    }

    private static func invalidKey(source: String) -> BackendError {
        BackendError(
            .authenticationFailed,
            backend: BackendError.localKind,
            message:
                "\(source) does not hold a local store key: expected base64 of exactly \(byteCount) bytes. "
                + "Generate one with `cfg init`."
        )
    }

    private static func unwritable(_ path: String, reason: String) -> BackendError {
        BackendError(
            .unreachable,
            backend: BackendError.localKind,
            message: "Could not write the key file \(path): \(reason)"
        )
    }

    private static func unreadable(_ path: String, reason: String) -> BackendError {
        BackendError(
            .authenticationFailed,
            backend: BackendError.localKind,
            message: "Could not read the key file \(path): \(reason)"
        )
    }
}
