package import CfgBackend
package import CfgSecure
import Foundation

/// Finds, reads and creates the 32-byte key of an environment's local store.
///
/// Precedence: the `CFG_LOCAL_KEY` environment variable (base64 of exactly 32 bytes) wins when it is set and not
/// empty; otherwise the key file: the explicit path (a leading `~/` is expanded with `HOME`), or by default
/// `$XDG_CONFIG_HOME/cfg/keys/ENV.key`, else `$HOME/.config/cfg/keys/ENV.key`. A key file holds base64 of 32
/// bytes and an optional newline, and must not be readable by group or others.
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
    ///   - environment: the process environment (injected for tests).
    /// - Throws: `.authenticationFailed` when there is no key, the key is malformed, or the key file is readable
    ///   by group or others; `.invalidRequest` for an unusable environment name or path.
    package static func load(
        environmentName: String,
        keyFile: String?,
        environment: [String: String]
    ) throws(BackendError) -> Secret {
        if let text = environment[environmentVariable], !text.isEmpty {
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
        let path = try resolvePath(environmentName: environmentName, keyFile: keyFile, environment: environment)
        let mode: mode_t
        do {
            mode = try SecureFile.permissions(path)
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
            throw unreadable(path, reason: error.description)
        }
        guard mode & 0o077 == 0 else {
            throw BackendError(
                .authenticationFailed,
                backend: BackendError.localKind,
                message:
                    "The key file \(path) is readable by group or others (mode \(String(mode, radix: 8))). "
                    + "Run `chmod 600 \(path)`."
            )
        }
        let content: Secret
        do {
            content = try SecureFile.read(path)
        } catch {
            throw unreadable(path, reason: error.description)
        }
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

    /// Generates a new key and writes it to the key file (base64 and a newline, mode 0600, in a 0700 directory).
    ///
    /// - Returns: the key and the file it was written to.
    /// - Throws: `.conflict` if the key file exists (it is never overwritten); `.unreachable` if it cannot be
    ///   written; `.invalidRequest` for an unusable environment name or path.
    package static func create(
        environmentName: String,
        keyFile: String?,
        environment: [String: String]
    ) throws(BackendError) -> (key: Secret, path: String) {
        let path = try resolvePath(environmentName: environmentName, keyFile: keyFile, environment: environment)
        guard !FileManager.default.fileExists(atPath: path) else {
            throw BackendError(
                .conflict,
                backend: BackendError.localKind,
                message: "A key file already exists at \(path); refusing to overwrite it."
            )
        }
        let key = SecureRandom.secret(count: byteCount)
        let encoded = Base64Codec.encode(key, variant: .standard)
        let content = encoded.withUnsafeBytes { encodedBytes in
            Secret(count: encodedBytes.count + 1) { buffer in
                buffer.copyMemory(from: encodedBytes)
                buffer[encodedBytes.count] = UInt8(ascii: "\n")
            }
        }
        do {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try AtomicFile.createDirectory(directory, mode: 0o700)
            }
            try AtomicFile.write(content, to: path, mode: 0o600)
        } catch {
            throw BackendError(
                .unreachable,
                backend: BackendError.localKind,
                message: "Could not write the key file \(path): \(error.description)"
            )
        }
        return (key, path)
    }

    /// The default key file of an environment: `$XDG_CONFIG_HOME/cfg/keys/ENV.key`, else
    /// `$HOME/.config/cfg/keys/ENV.key`.
    package static func defaultKeyPath(environmentName: String, environment: [String: String]) -> String {
        let configHome: String
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            configHome = xdg
        } else {
            configHome = home(environment) + "/.config"
        }
        return configHome + "/cfg/keys/\(environmentName).key"
    }

    // MARK: - Helpers

    /// The key file to use: the explicit one (with `~/` expanded) or the default.
    private static func resolvePath(
        environmentName: String,
        keyFile: String?,
        environment: [String: String]
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
            return defaultKeyPath(environmentName: environmentName, environment: environment)
        }
        guard !keyFile.isEmpty else {
            throw BackendError(.invalidRequest, backend: BackendError.localKind, message: "The key file path is empty.")
        }
        if keyFile == "~" || keyFile.hasPrefix("~/") {
            return home(environment) + keyFile.dropFirst()
        }
        return keyFile
    }

    /// `HOME` from the environment, else the user's home directory.
    private static func home(_ environment: [String: String]) -> String {
        if let home = environment["HOME"], !home.isEmpty {
            return home.hasSuffix("/") && home.count > 1 ? String(home.dropLast()) : home
        }
        return FileManager.default.homeDirectoryForCurrentUser.path
    }

    /// Whether an environment name is usable as a file name (no separators, not hidden).
    private static func isSafeFileName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first != "." else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII
                && (CharacterSet.alphanumerics.contains(scalar) || scalar == "." || scalar == "_" || scalar == "-")
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

    private static func unreadable(_ path: String, reason: String) -> BackendError {
        BackendError(
            .authenticationFailed,
            backend: BackendError.localKind,
            message: "Could not read the key file \(path): \(reason)"
        )
    }
}
