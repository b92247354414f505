package import CfgBackend
package import CfgSecure
package import FoundationEssentials

/// The embedded encrypted store (`type: local`): one versioned, encrypted file per environment.
///
/// The file format is described by `LocalStoreFile` (envelope) and `LocalStoreDocument` (plaintext). Every call
/// reads the file again, so several instances and processes see each other's writes; writes are
/// read-modify-write under an exclusive lock on `<storePath>.lock` and replace the file atomically (mode 0600),
/// so readers never see a partial file and need no lock. Blocking file work runs off the cooperative pool.
package struct LocalBackend: SecretBackend {
    package var kind: String { BackendError.localKind }

    /// The store file.
    package let storePath: String
    /// The environment the store belongs to; bound into the file's associated data.
    package let environmentName: String
    private let key: Secret
    private let clock: @Sendable () -> Date

    /// Opens (lazily: nothing is read until the first call) the store of one environment.
    ///
    /// - Parameters:
    ///   - storePath: the store file.
    ///   - key: the 32-byte store key (see `LocalKey`).
    ///   - environmentName: the environment's name.
    ///   - clock: the time given to new versions.
    package init(
        storePath: String,
        key: Secret,
        environmentName: String,
        clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.storePath = storePath
        self.key = key
        self.environmentName = environmentName
        self.clock = clock
    }

    /// Writes a new, empty store (its directory is created with mode 0700).
    ///
    /// - Throws: `.conflict` if a store already exists at `storePath`; `.unreachable` if it cannot be written.
    package static func create(storePath: String, key: Secret, environmentName: String) throws(BackendError) {
        let backend = LocalBackend(storePath: storePath, key: key, environmentName: environmentName)
        try createDirectory(for: storePath)
        try withLock(storePath: storePath, environmentName: environmentName) { () throws(BackendError) in
            guard !LocalKey.exists(storePath) else {
                throw .localStoreExists(storePath)
            }
            try backend.save(LocalStoreDocument(environment: environmentName))
        }
    }

    /// What ``initialize(storePath:environmentName:keyFile:processEnvironment:)`` did.
    package struct Initialization: Sendable {
        /// The key the store opens with: the one on disk (or in `CFG_LOCAL_KEY`).
        package var key: Secret
        /// The key file this run created, if it did.
        package var createdKeyFile: String?
        /// Whether this run created the store.
        package var createdStore: Bool
    }

    /// The key that opens the store at `storePath` (``LocalKey/load(environmentName:keyFile:processEnvironment:)``); when
    /// the key file is missing but the store exists, the error says to restore the key rather than to run
    /// `cfg init`, which would refuse to write a new key beside the store.
    ///
    /// - Throws: `.conflict` for a store without its key file; the errors of ``LocalKey``.
    package static func loadKey(
        storePath: String,
        environmentName: String,
        keyFile: String?,
        processEnvironment: [String: String]
    ) throws(BackendError) -> Secret {
        if let keyPath = try LocalKey.filePath(
            environmentName: environmentName,
            keyFile: keyFile,
            processEnvironment: processEnvironment
        ),
            !LocalKey.exists(keyPath), LocalKey.exists(storePath)
        {
            throw .localStoreWithoutKey(storePath, keyPath: keyPath)
        }
        return try LocalKey.load(
            environmentName: environmentName,
            keyFile: keyFile,
            processEnvironment: processEnvironment
        )
    }

    /// `cfg init` for the local store: makes sure a key and a store exist, safely against concurrent runs and
    /// runs killed at any moment.
    ///
    /// Everything happens under the store's lock. Stale temporaries of the store are removed first. The key
    /// comes from `CFG_LOCAL_KEY`, else from the key file; a missing key file is created exclusively (an existing
    /// one is never replaced, see ``LocalKey/create(environmentName:keyFile:processEnvironment:)``) and then read back,
    /// so a run that loses a race to create it uses the winner's key, and a store is only ever sealed under the
    /// key on disk. A store that exists without its key file is an error: a new key would not open it.
    ///
    /// - Throws: `.conflict` for a store without its key file; the errors of ``LocalKey`` and of reading or
    ///   writing the store.
    package static func initialize(
        storePath: String,
        environmentName: String,
        keyFile: String?,
        processEnvironment: [String: String]
    ) throws(BackendError) -> Initialization {
        try createDirectory(for: storePath)
        return try withLock(storePath: storePath, environmentName: environmentName) {
            () throws(BackendError) -> Initialization in
            let storeExists = LocalKey.exists(storePath)
            var createdKeyFile: String?
            if let keyPath = try LocalKey.filePath(
                environmentName: environmentName,
                keyFile: keyFile,
                processEnvironment: processEnvironment
            ),
                try LocalKey.createFileIfMissing(
                    for: SecureRandom.secret(count: LocalKey.byteCount),
                    at: keyPath,
                    refusal: storeExists ? .localStoreWithoutKey(storePath, keyPath: keyPath) : nil
                )
            {
                createdKeyFile = keyPath
            }
            // Always the key on disk, also when this run just wrote it: never a key only this process knows.
            let key = try LocalKey.load(
                environmentName: environmentName,
                keyFile: keyFile,
                processEnvironment: processEnvironment
            )
            let backend = LocalBackend(storePath: storePath, key: key, environmentName: environmentName)
            if storeExists {
                _ = try backend.load()
            } else {
                try backend.save(LocalStoreDocument(environment: environmentName))
            }
            return Initialization(key: key, createdKeyFile: createdKeyFile, createdStore: !storeExists)
        }
    }

    // MARK: - SecretBackend

    package func fetch(_ request: SecretRequest) async throws(BackendError) -> SecretVersion {
        try await BlockingIO.run { () throws(BackendError) in
            try secretVersion(for: request, in: try load())
        }
    }

    /// One request answered from a loaded store document.
    private func secretVersion(
        for request: SecretRequest,
        in document: LocalStoreDocument
    ) throws(BackendError)
        -> SecretVersion
    {
        guard !request.dynamic else { throw .localDynamicUnsupported(request.path) }
        let (version, labels) = try document.version(at: request.path, request.version)
        return SecretVersion(
            path: request.path,
            versionID: version.id,
            labels: labels,
            createdAt: version.created,
            payload: try decode(version.value)
        )
    }

    package func fetch(_ requests: [SecretRequest]) async -> [SecretRequest: Result<SecretVersion, BackendError>] {
        // One read of the file serves the whole batch.
        let distinct = Array(Set(requests))
        do throws(BackendError) {
            return try await BlockingIO.run { () throws(BackendError) in
                let document = try load()
                var results: [SecretRequest: Result<SecretVersion, BackendError>] = [:]
                for request in distinct {
                    results[request] = Result { () throws(BackendError) -> SecretVersion in
                        try secretVersion(for: request, in: document)
                    }
                }
                return results
            }
        } catch {
            return Dictionary(uniqueKeysWithValues: distinct.map { ($0, .failure(error)) })
        }
    }

    package func store(
        _ payload: Secret,
        at path: SecretPath,
        labels: Set<VersionLabel>,
        expectedCurrent: String?
    ) async throws(BackendError) -> String {
        // The base64 text is a Swift String that cannot be zeroed; see LocalStoreDocument.
        let encoded = payload.withUnsafeBytes { Base64Codec.encode($0, variant: .standard) }
        let now = clock()
        return try await update { (document) throws(BackendError) in
            try document.store(encoded, at: path, labels: labels, expectedCurrent: expectedCurrent, now: now)
        }
    }

    package func moveLabel(
        _ label: VersionLabel,
        to versionID: String,
        at path: SecretPath
    ) async throws(BackendError) {
        try await update { (document) throws(BackendError) in
            try document.moveLabel(label, to: versionID, at: path)
        }
    }

    package func removeLabel(_ label: VersionLabel, at path: SecretPath) async throws(BackendError) {
        try await update { (document) throws(BackendError) in
            try document.removeLabel(label, at: path)
        }
    }

    package func fetchMetadata(_ path: SecretPath) async throws(BackendError) -> SecretMetadata {
        try await BlockingIO.run { () throws(BackendError) in
            try load().metadata(at: path)
        }
    }

    // MARK: - File access

    /// Reads, checks, decrypts and parses the store file.
    func load() throws(BackendError) -> LocalStoreDocument {
        try checkDirectory()
        let content: [UInt8]
        do {
            content = try SecureFile.readRegularBytes(storePath, limit: Self.maximumStoreSize, followLinks: false) {
                (status) throws(FileError) in try Self.checkStoreFile(status, storePath: storePath)
            }
        } catch {
            if error.code == .notFound {
                throw .localStoreMissing(storePath, environmentName: environmentName)
            }
            if error.code == .invalidInput {
                throw .localStoreRefused(storePath, reason: error.description)
            }
            throw .localStoreUnreadable(storePath, reason: error.description)
        }
        let plaintext = try LocalStoreFile.open(
            content,
            key: key,
            environmentName: environmentName,
            storePath: storePath
        )
        // JSON parsing needs the plaintext in ordinary memory: this `Data` is zeroed below, but the Swift
        // strings the decoder makes from it cannot be.
        var data = plaintext.withUnsafeBytes { Data($0) }
        defer { data.resetBytes(in: data.startIndex..<data.endIndex) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let document = try? decoder.decode(LocalStoreDocument.self, from: data),
            document.format == LocalStoreDocument.currentFormat,
            document.environment == environmentName
        else {
            throw .localCorrupt(storePath)
        }
        return document
    }

    /// Encrypts and atomically writes a document (mode 0600).
    func save(_ document: LocalStoreDocument) throws(BackendError) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        // As in `load`, the encoded `Data` is ordinary memory; it is zeroed once copied into a `Secret`.
        var data: Data
        do {
            data = try encoder.encode(document)
        } catch {
            throw .localStoreUnwritable(storePath, reason: "the store could not be encoded.")
        }
        let plaintext = Secret(bytes: data)
        data.resetBytes(in: data.startIndex..<data.endIndex)
        let content = try LocalStoreFile.seal(
            plaintext,
            key: key,
            environmentName: environmentName,
            storePath: storePath
        )
        guard content.count <= Self.maximumStoreSize else {
            throw .localStoreUnwritable(
                storePath,
                reason:
                    "the store would be larger than its limit of \(Self.maximumStoreSize / (1 << 20)) MiB "
                    + "(\(Self.maximumStoreSize) bytes); nothing was changed."
            )
        }
        do {
            try AtomicFile.write(content, to: storePath, mode: 0o600)
        } catch {
            throw .localStoreUnwritable(storePath, reason: error.description)
        }
    }

    /// Read-modify-write under the store's lock.
    private func update<T: Sendable>(
        _ body: @escaping @Sendable (inout LocalStoreDocument) throws(BackendError) -> T
    ) async throws(BackendError) -> T {
        try await BlockingIO.run { () throws(BackendError) -> T in
            try withLock { () throws(BackendError) -> T in
                var document = try load()
                let result = try body(&document)
                try save(document)
                return result
            }
        }
    }

    /// Runs `body` holding the exclusive lock on `<storePath>.lock`. Blocks: call it off the cooperative pool.
    private func withLock<T>(_ body: () throws(BackendError) -> T) throws(BackendError) -> T {
        try Self.withLock(storePath: storePath, environmentName: environmentName, body)
    }

    /// Runs `body` holding the exclusive lock on `<storePath>.lock`, after removing the temporaries a killed
    /// writer left (every writer of the store holds this lock, so none of them is live).
    static func withLock<T>(
        storePath: String,
        environmentName: String,
        _ body: () throws(BackendError) -> T
    ) throws(BackendError) -> T {
        try checkDirectory(storePath: storePath, environmentName: environmentName)
        let lockPath = storePath + ".lock"
        let outcome: Result<T, BackendError>
        do {
            outcome = try FileLock.withExclusiveLock(at: lockPath) { () -> Result<T, BackendError> in
                StaleTemporaries.remove(for: storePath)
                return Result { () throws(BackendError) -> T in try body() }
            }
        } catch let error as SecureError {
            if error.code == .notFound {
                throw .localStoreMissing(storePath, environmentName: environmentName)
            }
            throw .localStoreUnwritable(storePath, reason: error.description)
        } catch {
            throw .localStoreUnwritable(storePath, reason: "the lock file \(lockPath) could not be locked.")
        }
        return try outcome.get()
    }

    /// The store's directory must belong to this user (or root) and not be writable by group or others.
    private func checkDirectory() throws(BackendError) {
        try Self.checkDirectory(storePath: storePath, environmentName: environmentName)
    }

    /// The store's directory must belong to this user (or root) and not be writable by group or others.
    private static func checkDirectory(storePath: String, environmentName: String) throws(BackendError) {
        try PrivateDirectory.check(
            containing: storePath,
            role: "local store directory",
            risk: "replace, remove or roll back the store",
            code: .permissionDenied
        ) { (error) -> BackendError in
            error.code == .notFound
                ? .localStoreMissing(storePath, environmentName: environmentName)
                : .localStoreUnreadable(storePath, reason: error.description)
        }
    }

    /// The largest store file read or written.
    package static let maximumStoreSize = 16 << 20

    /// The store must belong to this user and be closed to group and others, as the key file is.
    private static func checkStoreFile(_ status: SecureFile.Status, storePath: String) throws(FileError) {
        try LocalKey.checkPrivateFile(status, path: storePath, what: "The local store")
    }

    /// Creates the store's directory (mode 0700) if it is missing.
    private static func createDirectory(for storePath: String) throws(BackendError) {
        let directory = PrivateDirectory.parent(of: storePath)
        guard !directory.isEmpty else { return }
        do {
            try AtomicFile.createDirectory(directory, mode: 0o700)
        } catch {
            throw .localStoreUnwritable(storePath, reason: error.description)
        }
    }

    /// Decodes a stored base64 value into a `Secret`.
    private func decode(_ encoded: String) throws(BackendError) -> Secret {
        do {
            return try Base64Codec.decode(encoded, variant: .standard)
        } catch {
            throw .localCorrupt(storePath)
        }
    }
}
