import CfgBackend
import CfgLocal
import CfgSecure
import CfgTestSupport
import Foundation
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
