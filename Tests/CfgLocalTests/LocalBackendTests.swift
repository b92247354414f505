import CfgBackend
import CfgLocal
import CfgSecure
import CfgTestSupport
import Foundation
import Synchronization
import Testing

/// The local store against the shared conformance suite, plus what only a file store has: locking, file modes,
/// atomic writes, creation and pruning.
struct LocalBackendTests {
    /// Runs a conformance check with backends whose stores live in a scratch directory removed afterwards.
    ///
    /// Every call of `makeBackend` creates a new store with a new key.
    @Test(arguments: BackendConformance.checks)
    func passesConformanceCheck(_ check: BackendConformance.Check) async throws {
        try await TemporaryDirectory.with { directory in
            let makeBackend: BackendConformance.MakeBackend = {
                let storePath = directory + "/stores/\(UUID().uuidString).store"
                let key = SecureRandom.secret(count: 32)
                try LocalBackend.create(storePath: storePath, key: key, environmentName: "test")
                return LocalBackend(storePath: storePath, key: key, environmentName: "test")
            }
            try await check.run(makeBackend, "airflow/test")
        }
    }

    @Test func storeFileIsPrivateAndNoTemporaryFilesRemain() async throws {
        try await TemporaryDirectory.with { directory in
            let storeDirectory = directory + "/nested/stores"
            let storePath = storeDirectory + "/prod.store"
            let key = SecureRandom.secret(count: 32)
            try LocalBackend.create(storePath: storePath, key: key, environmentName: "prod")
            let backend = LocalBackend(storePath: storePath, key: key, environmentName: "prod")
            for index in 0..<3 {
                _ = try await backend.store(
                    Secret(copying: "value \(index)"),
                    at: SecretPath("airflow/prod/db"),
                    labels: [.current],
                    expectedCurrent: nil
                )
            }
            #expect(try SecureFile.permissions(storePath) == 0o600)
            #expect(try SecureFile.permissions(storeDirectory) == 0o700)
            let entries = try FileManager.default.contentsOfDirectory(atPath: storeDirectory).sorted()
            #expect(entries == ["prod.store", "prod.store.lock"])
        }
    }

    @Test func createRefusesAnExistingStore() async throws {
        try await TemporaryDirectory.with { directory in
            let storePath = directory + "/prod.store"
            let key = SecureRandom.secret(count: 32)
            try LocalBackend.create(storePath: storePath, key: key, environmentName: "prod")
            let backend = LocalBackend(storePath: storePath, key: key, environmentName: "prod")
            _ = try await backend.store(
                Secret(copying: "kept"),
                at: SecretPath("a"),
                labels: [.current],
                expectedCurrent: nil
            )
            #expect(throws: BackendError(.conflict, backend: "local", message: "")) {
                try LocalBackend.create(storePath: storePath, key: key, environmentName: "prod")
            }
            #expect(try await backend.fetch(SecretRequest(path: SecretPath("a"))).payload == Secret(copying: "kept"))
        }
    }

    @Test func missingStoreIsUnreachableAndSaysToRunInit() async throws {
        try await TemporaryDirectory.with { directory in
            let backend = LocalBackend(
                storePath: directory + "/absent.store",
                key: SecureRandom.secret(count: 32),
                environmentName: "prod"
            )
            let error = await #expect(throws: BackendError.self) {
                _ = try await backend.fetch(SecretRequest(path: SecretPath("airflow/prod/db")))
            }
            #expect(error?.code == .unreachable)
            #expect(error?.description.contains("cfg init prod") == true)
            await #expect(throws: BackendError(.unreachable, backend: "local", message: "")) {
                _ = try await backend.store(Secret(copying: "x"), at: SecretPath("a"), labels: [], expectedCurrent: nil)
            }
        }
    }

    @Test func concurrentWritersLoseNoVersion() async throws {
        try await TemporaryDirectory.with { directory in
            let storePath = directory + "/prod.store"
            let key = SecureRandom.secret(count: 32)
            try LocalBackend.create(storePath: storePath, key: key, environmentName: "prod")
            let writers = (0..<2).map { _ in LocalBackend(storePath: storePath, key: key, environmentName: "prod") }
            let shared = SecretPath("airflow/prod/shared")
            let perWriter = 8
            let ids = try await withThrowingTaskGroup(of: [String].self) { group in
                for (index, writer) in writers.enumerated() {
                    group.addTask {
                        var ids: [String] = []
                        for round in 0..<perWriter {
                            let payload = Secret(copying: "writer \(index) round \(round)")
                            ids.append(
                                try await writer.store(payload, at: shared, labels: [.current], expectedCurrent: nil)
                            )
                            _ = try await writer.store(
                                payload,
                                at: SecretPath("airflow/prod/writer-\(index)"),
                                labels: [.current],
                                expectedCurrent: nil
                            )
                        }
                        return ids
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(Set(ids).count == 2 * perWriter)
            let metadata = try await writers[0].fetchMetadata(shared)
            #expect(Set(metadata.versions.map(\.versionID)) == Set(ids))
            #expect(metadata.versions.map(\.versionID) == (1...(2 * perWriter)).map(String.init))
            for index in 0..<2 {
                let own = try await writers[1].fetchMetadata(SecretPath("airflow/prod/writer-\(index)"))
                #expect(own.versions.count == perWriter)
            }
        }
    }

    @Test func keepsTwentyVersionsButNeverALabelledOne() async throws {
        try await TemporaryDirectory.with { directory in
            let storePath = directory + "/prod.store"
            let key = SecureRandom.secret(count: 32)
            try LocalBackend.create(storePath: storePath, key: key, environmentName: "prod")
            let backend = LocalBackend(storePath: storePath, key: key, environmentName: "prod")
            let path = SecretPath("airflow/prod/fernet")
            let firstID = try await backend.store(
                Secret(copying: "v1"),
                at: path,
                labels: [.pending],
                expectedCurrent: nil
            )
            for index in 2...25 {
                _ = try await backend.store(
                    Secret(copying: "v\(index)"),
                    at: path,
                    labels: [.current],
                    expectedCurrent: nil
                )
            }
            let ids = try await backend.fetchMetadata(path).versions.map(\.versionID)
            #expect(ids == ["1"] + (7...25).map(String.init))
            #expect(
                try await backend.fetch(SecretRequest(path: path, version: .id(firstID))).payload
                    == Secret(copying: "v1")
            )
            await #expect(throws: BackendError(.notFound, backend: "local", message: "")) {
                _ = try await backend.fetch(SecretRequest(path: path, version: .id("2")))
            }
            let next = try await backend.store(Secret(copying: "v26"), at: path, labels: [], expectedCurrent: nil)
            #expect(next == "26")
        }
    }

    @Test func versionsCarryTheInjectedClockInWholeSeconds() async throws {
        try await TemporaryDirectory.with { directory in
            let storePath = directory + "/prod.store"
            let key = SecureRandom.secret(count: 32)
            try LocalBackend.create(storePath: storePath, key: key, environmentName: "prod")
            let instant = Date(timeIntervalSince1970: 1_795_273_200.75)  // 2026-11-21T15:00:00.75Z
            let backend = LocalBackend(storePath: storePath, key: key, environmentName: "prod", clock: { instant })
            _ = try await backend.store(
                Secret(copying: "x"),
                at: SecretPath("a"),
                labels: [.current],
                expectedCurrent: nil
            )
            let version = try await backend.fetch(SecretRequest(path: SecretPath("a")))
            #expect(version.createdAt == Date(timeIntervalSince1970: 1_795_273_200))
        }
    }

    @Test func reportsKindLocal() {
        let backend = LocalBackend(storePath: "/nonexistent", key: SecureRandom.secret(count: 32), environmentName: "x")
        #expect(backend.kind == "local")
    }

    @Test func dynamicSecretsAreUnsupported() async throws {
        try await TemporaryDirectory.with { directory in
            let storePath = directory + "/dev.store"
            let key = SecureRandom.secret(count: 32)
            try LocalBackend.create(storePath: storePath, key: key, environmentName: "dev")
            let backend = LocalBackend(storePath: storePath, key: key, environmentName: "dev")
            let request = SecretRequest(path: SecretPath("database/creds/airflow"), dynamic: true)
            let error = await #expect(throws: BackendError.self) { try await backend.fetch(request) }
            #expect(error?.code == .unsupported)
            #expect(error?.description.contains("vault") == true)
            let batch = await backend.fetch([request])
            guard case .failure(let batchError)? = batch[request] else {
                Issue.record("a batch read of a dynamic secret must fail")
                return
            }
            #expect(batchError.code == .unsupported)
        }
    }
}

/// `cfg init`'s part of the store, and the store file cfg refuses to trust (issue 11, defects 1, 7, 9, 12).
struct LocalBackendInitializeTests {
    static let canary = "CANARY-local-s3cr3t-Wq4!-never-printed"

    /// The paths of a fresh project: the store in `.cfg/`, the key in `keys/`.
    struct Layout {
        let storePath: String
        let keyPath: String
        init(_ directory: String) {
            storePath = directory + "/.cfg/dev.store"
            keyPath = directory + "/keys/dev.key"
        }

        func initialize(processEnvironment: [String: String] = [:]) throws(BackendError) -> LocalBackend.Initialization
        {
            try LocalBackend.initialize(
                storePath: storePath,
                environmentName: "dev",
                keyFile: keyPath,
                processEnvironment: processEnvironment
            )
        }

        func backend() throws -> LocalBackend {
            let key = try LocalKey.load(environmentName: "dev", keyFile: keyPath, processEnvironment: [:])
            return LocalBackend(storePath: storePath, key: key, environmentName: "dev")
        }
    }

    /// A store holding the canary, ready to be broken.
    static func seeded(_ directory: String) async throws -> Layout {
        let layout = Layout(directory)
        _ = try layout.initialize()
        _ = try await layout.backend().store(
            Secret(copying: canary),
            at: SecretPath("airflow/dev/db"),
            labels: [.current],
            expectedCurrent: nil
        )
        return layout
    }

    /// The refusal of a store read: the path and the fix are named, the canary is not.
    static func expectRefusal(_ layout: Layout, _ fragments: [String]) async throws {
        let backend = LocalBackend(
            storePath: layout.storePath,
            key: try LocalKey.load(environmentName: "dev", keyFile: layout.keyPath, processEnvironment: [:]),
            environmentName: "dev"
        )
        let error = await #expect(throws: BackendError.self) {
            _ = try await backend.fetch(SecretRequest(path: SecretPath("airflow/dev/db")))
        }
        for fragment in fragments {
            #expect(error?.description.contains(fragment) == true, "\(fragment)")
        }
        #expect(error?.description.contains(canary) == false)
        #expect(error?.description.contains("\n") == false)
    }

    @Test func racingInitializationsKeepOneKeyAndEveryRunUsesTheKeyOnDisk() async throws {
        for _ in 0..<4 {
            try await TemporaryDirectory.with { directory in
                let layout = Layout(directory)
                let outcomes = Mutex<[Result<LocalBackend.Initialization, BackendError>]>([])
                DispatchQueue.concurrentPerform(iterations: 16) { _ in
                    let outcome = Result { () throws(BackendError) in try layout.initialize() }
                    outcomes.withLock { $0.append(outcome) }
                }
                let results = outcomes.withLock { $0 }
                let onDisk = try LocalKey.load(environmentName: "dev", keyFile: layout.keyPath, processEnvironment: [:])
                var createdKeys = 0
                var createdStores = 0
                for result in results {
                    let initialization = try result.get()
                    #expect(initialization.key == onDisk)
                    createdKeys += initialization.createdKeyFile == nil ? 0 : 1
                    createdStores += initialization.createdStore ? 1 : 0
                }
                #expect(results.count == 16)
                #expect(createdKeys == 1)
                #expect(createdStores == 1)
                let error = await #expect(throws: BackendError.self) {
                    _ = try await layout.backend().fetchMetadata(SecretPath("airflow/dev/db"))
                }
                #expect(error?.code == .notFound)
            }
        }
    }

    @Test func aStoreWithoutItsKeyStopsInitializationAndNoKeyIsWritten() async throws {
        try await TemporaryDirectory.with { directory in
            let layout = try await Self.seeded(directory)
            let before = try SecureFile.readBytes(layout.storePath)
            #expect(unlink(layout.keyPath) == 0)
            let error = #expect(throws: BackendError.self) { _ = try layout.initialize() }
            #expect(error?.code == .conflict)
            let description = error?.description ?? ""
            #expect(description.contains("Restore the key file at \(layout.keyPath)"))
            #expect(description.contains("CFG_LOCAL_KEY"))
            #expect(description.contains("remove the store at \(layout.storePath)"))
            #expect(!description.contains(Self.canary))
            #expect(!FileManager.default.fileExists(atPath: layout.keyPath))
            #expect(try SecureFile.readBytes(layout.storePath) == before)
        }
    }

    @Test func theEnvironmentKeyCreatesNoKeyFile() async throws {
        try await TemporaryDirectory.with { directory in
            let layout = Layout(directory)
            let key = SecureRandom.secret(count: 32)
            let text = key.withUnsafeBytes { Base64Codec.encode($0, variant: .standard) }
            let initialization = try layout.initialize(processEnvironment: ["CFG_LOCAL_KEY": text])
            #expect(initialization.key == key)
            #expect(initialization.createdKeyFile == nil && initialization.createdStore)
            #expect(!FileManager.default.fileExists(atPath: layout.keyPath))
        }
    }

    @Test func initializationRemovesTheStoresAndTheKeysStaleTemporaries() async throws {
        try await TemporaryDirectory.with { directory in
            let layout = try await Self.seeded(directory)
            let staleStore = directory + "/.cfg/.dev.store.tmp-0123456789abcdef"
            let staleKey = directory + "/keys/.dev.key.tmp-0123456789abcdef"
            for path in [staleStore, staleKey] {
                try AtomicFile.write(Array(Self.canary.utf8), to: path)
            }
            _ = try layout.initialize()
            #expect(!FileManager.default.fileExists(atPath: staleStore))
            #expect(!FileManager.default.fileExists(atPath: staleKey))
        }
    }

    @Test func aWriteRemovesTheStoresStaleTemporaries() async throws {
        try await TemporaryDirectory.with { directory in
            let layout = try await Self.seeded(directory)
            let stale = directory + "/.cfg/.dev.store.tmp-0123456789abcdef"
            try AtomicFile.write(Array(Self.canary.utf8), to: stale)
            _ = try await layout.backend().store(
                Secret(copying: "next"),
                at: SecretPath("airflow/dev/other"),
                labels: [.current],
                expectedCurrent: nil
            )
            #expect(!FileManager.default.fileExists(atPath: stale))
        }
    }

    @Test func aFIFOAsTheStoreIsRefusedWithoutWaiting() async throws {
        try await TemporaryDirectory.with { directory in
            let layout = try await Self.seeded(directory)
            #expect(unlink(layout.storePath) == 0)
            #expect(mkfifo(layout.storePath, 0o600) == 0)
            try await Self.expectRefusal(layout, [layout.storePath, "FIFO"])
        }
    }

    @Test func aLinkAsTheStoreIsRefused() async throws {
        try await TemporaryDirectory.with { directory in
            let layout = try await Self.seeded(directory)
            #expect(rename(layout.storePath, directory + "/real.store") == 0)
            #expect(symlink(directory + "/real.store", layout.storePath) == 0)
            try await Self.expectRefusal(layout, [layout.storePath, "symbolic link"])
        }
    }

    @Test func aDeviceAsTheStoreIsRefused() async throws {
        let backend = LocalBackend(storePath: "/dev/zero", key: SecureRandom.secret(count: 32), environmentName: "dev")
        let error = await #expect(throws: BackendError.self) {
            _ = try await backend.fetch(SecretRequest(path: SecretPath("airflow/dev/db")))
        }
        #expect(error?.description.contains("\"/dev/zero\": it is a character device") == true)
    }

    @Test(arguments: [0o640, 0o604, 0o644, 0o660])
    func aStoreOpenToGroupOrOthersIsRefused(mode: Int) async throws {
        try await TemporaryDirectory.with { directory in
            let layout = try await Self.seeded(directory)
            #expect(chmod(layout.storePath, mode_t(mode)) == 0)
            try await Self.expectRefusal(layout, ["chmod 600 \(layout.storePath)", String(mode, radix: 8)])
        }
    }

    @Test func aStoreOwnedByAnotherUserIsRefused() async throws {
        // chown needs root: the tests run as root in CI and in the development container.
        try await TemporaryDirectory.with { directory in
            let layout = try await Self.seeded(directory)
            #expect(chown(layout.storePath, 65534, gid_t.max) == 0)
            try await Self.expectRefusal(layout, [layout.storePath, "uid 65534", "chown"])
        }
    }

    @Test func aStoreAtTheSizeLimitIsReadAndOneBytePastIsRefused() async throws {
        try await TemporaryDirectory.with { directory in
            let layout = try await Self.seeded(directory)
            var content = try SecureFile.readBytes(layout.storePath)
            content += [UInt8](repeating: 0, count: LocalBackend.maximumStoreSize - content.count)
            try AtomicFile.write(content, to: layout.storePath)
            // At the limit the file is read: it then fails its integrity check, as any damaged store does.
            let backend = try layout.backend()
            let error = await #expect(throws: BackendError.self) {
                _ = try await backend.fetch(SecretRequest(path: SecretPath("airflow/dev/db")))
            }
            #expect(error?.code == .corrupt)
            try AtomicFile.write(content + [0], to: layout.storePath)
            try await Self.expectRefusal(layout, [layout.storePath, "16 MiB (16777216 bytes)"])
        }
    }

    @Test func aWriteThatWouldPassTheSizeLimitChangesNothing() async throws {
        try await TemporaryDirectory.with { directory in
            let layout = try await Self.seeded(directory)
            let before = try SecureFile.readBytes(layout.storePath)
            // Base64 makes 13 MiB into more than 17 MiB of store.
            let large = Secret(bytes: [UInt8](repeating: 0x41, count: 13 << 20))
            let error = await #expect(throws: BackendError.self) {
                _ = try await layout.backend().store(
                    large,
                    at: SecretPath("airflow/dev/large"),
                    labels: [.current],
                    expectedCurrent: nil
                )
            }
            #expect(error?.description.contains("16 MiB") == true)
            #expect(try SecureFile.readBytes(layout.storePath) == before)
        }
    }

    @Test(arguments: [0o777, 0o770, 0o1777])
    func aStoreDirectoryWritableByOthersIsRefusedForReadsAndWrites(mode: Int) async throws {
        try await TemporaryDirectory.with { directory in
            let layout = try await Self.seeded(directory)
            let storeDirectory = directory + "/.cfg"
            #expect(chmod(storeDirectory, mode_t(mode)) == 0)
            try await Self.expectRefusal(layout, ["chmod 700 \(storeDirectory)", String(mode, radix: 8)])
            let error = #expect(throws: BackendError.self) { _ = try layout.initialize() }
            #expect(error?.description.contains("chmod 700 \(storeDirectory)") == true)
        }
    }

    @Test func aStoreDirectoryOwnedByAnotherUserIsRefused() async throws {
        try await TemporaryDirectory.with { directory in
            let layout = try await Self.seeded(directory)
            #expect(chown(directory + "/.cfg", 65534, gid_t.max) == 0)
            try await Self.expectRefusal(layout, [directory + "/.cfg", "uid 65534"])
        }
    }
}
