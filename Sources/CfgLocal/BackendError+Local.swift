import CfgBackend

/// The errors of the local store, one factory per failure, so every message is written once.
///
/// Messages name store paths, secret paths, version ids and environment variable names; never a value or a key.
extension BackendError {
    /// The backend kind of the local store.
    static let localKind = "local"

    /// The store file does not exist.
    static func localStoreMissing(_ storePath: String, environmentName: String) -> BackendError {
        BackendError(
            .unreachable,
            backend: localKind,
            message:
                "No local store for environment \"\(environmentName)\" at \(storePath). "
                + "Run `cfg init \(environmentName)` to create it."
        )
    }

    /// The store file exists but cannot be read (permissions, I/O).
    static func localStoreUnreadable(_ storePath: String, reason: String) -> BackendError {
        BackendError(
            .unreachable,
            backend: localKind,
            message: "Could not read the local store \(storePath): \(reason)"
        )
    }

    /// The store path is not a file cfg trusts: not a regular file, a symbolic link, too large, another user's,
    /// or open to group or others. `reason` is a sentence naming the path and the fix.
    static func localStoreRefused(_ storePath: String, reason: String) -> BackendError {
        BackendError(.permissionDenied, backend: localKind, message: reason)
    }

    /// `cfg init` found a store whose key file is missing: a new key would not open it.
    static func localStoreWithoutKey(_ storePath: String, keyPath: String) -> BackendError {
        BackendError(
            .conflict,
            backend: localKind,
            message:
                "The local store \(storePath) exists but its key file \(keyPath) does not; cfg init will not create "
                + "a new key, which could not open it. Restore the key file at \(keyPath) (mode 0600) or set "
                + "\(LocalKey.environmentVariable) to the key; to start over and lose its secrets, remove the store "
                + "at \(storePath) yourself and run cfg init again."
        )
    }

    /// The store file could not be written.
    static func localStoreUnwritable(_ storePath: String, reason: String) -> BackendError {
        BackendError(
            .unreachable,
            backend: localKind,
            message: "Could not write the local store \(storePath): \(reason)"
        )
    }

    /// The key check in the header does not match the key.
    static func localWrongKey(_ storePath: String) -> BackendError {
        BackendError(
            .authenticationFailed,
            backend: localKind,
            message:
                "The local store key does not open \(storePath): wrong key. Check CFG_LOCAL_KEY or the key file."
        )
    }

    /// Bad magic, truncation, or an AEAD failure with the right key.
    static func localCorrupt(_ storePath: String) -> BackendError {
        BackendError(
            .corrupt,
            backend: localKind,
            message:
                "\(storePath) failed its integrity check: the file was modified or truncated (or belongs to another "
                + "environment); restore it from a backup, or move it aside and run cfg init to create a new store."
        )
    }

    /// The header names a format version this build does not read.
    static func localUnsupportedFormat(_ storePath: String, version: UInt8) -> BackendError {
        BackendError(
            .unsupported,
            backend: localKind,
            message: "\(storePath) uses local store format \(version), which this cfg cannot read. Upgrade cfg."
        )
    }

    /// A `dynamic: true` secret: the local store has no leased endpoints.
    static func localDynamicUnsupported(_ path: SecretPath) -> BackendError {
        BackendError(
            .unsupported,
            backend: localKind,
            path: path,
            message:
                "\(path): the local store has no dynamic (leased) secrets; 'dynamic: true' needs the vault backend."
        )
    }

    /// `create` found an existing store.
    static func localStoreExists(_ storePath: String) -> BackendError {
        BackendError(
            .conflict,
            backend: localKind,
            message: "A local store already exists at \(storePath); refusing to overwrite it."
        )
    }

    /// No secret at a path.
    static func localSecretMissing(_ path: SecretPath) -> BackendError {
        BackendError(
            .notFound,
            backend: localKind,
            path: path,
            message: "No secret \"\(path)\" in the local store. Check the path or store a value first."
        )
    }

    /// No version carries a label.
    static func localLabelMissing(_ label: VersionLabel, at path: SecretPath) -> BackendError {
        BackendError(
            .notFound,
            backend: localKind,
            path: path,
            message: "Secret \"\(path)\" in the local store has no version labelled \(label.rawValue)."
        )
    }

    /// No version with an id.
    static func localVersionMissing(_ versionID: String, at path: SecretPath) -> BackendError {
        BackendError(
            .notFound,
            backend: localKind,
            path: path,
            message:
                "Secret \"\(path)\" in the local store has no version \(versionID) "
                + "(the store keeps the last \(LocalStoreDocument.maximumVersions) unlabelled versions)."
        )
    }

    /// A check-and-set precondition did not hold.
    static func localConflict(at path: SecretPath, expected: String, actual: String?) -> BackendError {
        let found = actual.map { "current version is \($0)" } ?? "it has no current version"
        let wanted = expected.isEmpty ? "expected it not to exist" : "expected current version \(expected)"
        return BackendError(
            .conflict,
            backend: localKind,
            path: path,
            message:
                "Check-and-set failed for \"\(path)\" in the local store: \(wanted), but \(found). "
                + "Another writer changed it; read it again and retry."
        )
    }

    /// An empty or otherwise unusable secret path.
    static func localInvalidPath(_ path: SecretPath) -> BackendError {
        BackendError(
            .invalidRequest,
            backend: localKind,
            path: path,
            message: "\"\(path)\" is not a valid secret path: use a non-empty name such as airflow/prod/db."
        )
    }

    /// A store key that is not 32 bytes long.
    static func localInvalidKey(_ storePath: String) -> BackendError {
        BackendError(
            .authenticationFailed,
            backend: localKind,
            message:
                "The local store key for \(storePath) is not a 32-byte key. Check CFG_LOCAL_KEY or the key file."
        )
    }
}
