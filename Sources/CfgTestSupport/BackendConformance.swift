package import CfgBackend
package import CfgSecure
import Foundation
import Testing

/// The conformance suite every `SecretBackend` passes: the local store here, Vault and AWS against real servers.
///
/// Each check is a separate function, so a test file can expose them as separate `@Test` cases:
///
/// ```swift
/// @Test func storeThenFetch() async throws { try await BackendConformance.storeThenFetch(make) }
/// ```
///
/// or run them all as one parameterised test with ``checks``. Checks write under `pathPrefix` with a random
/// suffix per check, so they can share a server and be run again. `makeBackend` is called once per check.
package enum BackendConformance {
    /// Builds the backend under test.
    package typealias MakeBackend = @Sendable () async throws -> any SecretBackend

    /// The prefix used when none is given.
    package static let defaultPathPrefix = "cfg-conformance"

    /// One named check.
    package struct Check: Sendable, CustomStringConvertible {
        package var name: String
        package var run: @Sendable (_ makeBackend: MakeBackend, _ pathPrefix: String) async throws -> Void
        package var description: String { name }
    }

    /// Every check, in a stable order.
    package static let checks: [Check] = [
        Check(name: "storeThenFetch", run: storeThenFetch),
        Check(name: "binaryPayloadRoundTrips", run: binaryPayloadRoundTrips),
        Check(name: "fetchMissingPathIsNotFound", run: fetchMissingPathIsNotFound),
        Check(name: "secondStoreMovesPrevious", run: secondStoreMovesPrevious),
        Check(name: "missingLabelOrVersionIsNotFound", run: missingLabelOrVersionIsNotFound),
        Check(name: "moveAndRemoveLabels", run: moveAndRemoveLabels),
        Check(name: "checkAndSet", run: checkAndSet),
        Check(name: "metadataListsVersionsOldestFirst", run: metadataListsVersionsOldestFirst),
        Check(name: "batchFetchReturnsOneResultPerDistinctRequest", run: batchFetchReturnsOneResultPerDistinctRequest),
        Check(name: "errorsNeverContainPayload", run: errorsNeverContainPayload),
    ]

    /// Runs every check.
    package static func run(_ makeBackend: MakeBackend, pathPrefix: String = defaultPathPrefix) async throws {
        for check in checks {
            try await check.run(makeBackend, pathPrefix)
        }
    }

    /// Runs one check by name; records an issue if there is no such check.
    package static func run(
        named name: String,
        _ makeBackend: MakeBackend,
        pathPrefix: String = defaultPathPrefix
    ) async throws {
        let check = try #require(checks.first { $0.name == name }, "no conformance check named \(name)")
        try await check.run(makeBackend, pathPrefix)
    }

    // MARK: - Checks

    /// Store then fetch `current` returns identical bytes for text, and an equal object for JSON with hostile
    /// characters (a backend that stores JSON objects natively, as Vault does, may re-encode them).
    package static func storeThenFetch(
        _ makeBackend: MakeBackend,
        pathPrefix: String = defaultPathPrefix
    ) async throws {
        let backend = try await makeBackend()
        let payloads = [
            "Grüße, 密码, пароль, 🔑 — ça marche",
            try hostileJSON(password: Canary.make()),
        ]
        for (index, text) in payloads.enumerated() {
            let path = uniquePath(pathPrefix, "store-fetch-\(index)")
            let payload = Secret(copying: text)
            let id = try await backend.store(payload, at: path, labels: [.current], expectedCurrent: nil)
            let fetched = try await backend.fetch(SecretRequest(path: path))
            #expect(samePayload(fetched.payload, payload))
            #expect(fetched.path == path)
            #expect(fetched.versionID == id)
            #expect(fetched.labels.contains(.current))
        }
    }

    /// Arbitrary bytes (every byte value, including NUL and invalid UTF-8) come back unchanged.
    package static func binaryPayloadRoundTrips(
        _ makeBackend: MakeBackend,
        pathPrefix: String = defaultPathPrefix
    ) async throws {
        let backend = try await makeBackend()
        let path = uniquePath(pathPrefix, "binary")
        let payload = Secret(bytes: Array(0...255) + SecureRandom.bytes(count: 64))
        _ = try await backend.store(payload, at: path, labels: [.current], expectedCurrent: nil)
        let fetched = try await backend.fetch(SecretRequest(path: path))
        #expect(fetched.payload == payload)
    }

    /// A path that was never written is `.notFound`, for reads and for metadata.
    package static func fetchMissingPathIsNotFound(
        _ makeBackend: MakeBackend,
        pathPrefix: String = defaultPathPrefix
    ) async throws {
        let backend = try await makeBackend()
        let path = uniquePath(pathPrefix, "missing")
        let error = await expectFailure([.notFound]) { () async throws(BackendError) in
            _ = try await backend.fetch(SecretRequest(path: path))
        }
        #expect(error?.description.contains(path.rawValue) == true, "the error names the path")
        await expectFailure([.notFound]) { () async throws(BackendError) in
            _ = try await backend.fetchMetadata(path)
        }
    }

    /// A second store becomes `current` and the first one `previous`; both read by label and by id.
    package static func secondStoreMovesPrevious(
        _ makeBackend: MakeBackend,
        pathPrefix: String = defaultPathPrefix
    ) async throws {
        let backend = try await makeBackend()
        let path = uniquePath(pathPrefix, "previous")
        let first = Secret(copying: "first \(Canary.make())")
        let second = Secret(copying: "second \(Canary.make())")
        let firstID = try await backend.store(first, at: path, labels: [.current], expectedCurrent: nil)
        let secondID = try await backend.store(second, at: path, labels: [.current], expectedCurrent: nil)
        #expect(firstID != secondID)

        let current = try await backend.fetch(SecretRequest(path: path))
        #expect(current.payload == second)
        #expect(current.versionID == secondID)

        let previous = try await backend.fetch(SecretRequest(path: path, version: .label(.previous)))
        #expect(previous.payload == first)
        #expect(previous.versionID == firstID)
        #expect(previous.labels.contains(.previous))

        let byID = try await backend.fetch(SecretRequest(path: path, version: .id(firstID)))
        #expect(byID.payload == first)
        #expect(byID.versionID == firstID)
        let latestByID = try await backend.fetch(SecretRequest(path: path, version: .id(secondID)))
        #expect(latestByID.payload == second)
        #expect(latestByID.labels.contains(.current))
    }

    /// A label no version carries and an unknown version id fail with `.notFound` (`.invalidRequest` is accepted
    /// for an id the backend cannot parse).
    package static func missingLabelOrVersionIsNotFound(
        _ makeBackend: MakeBackend,
        pathPrefix: String = defaultPathPrefix
    ) async throws {
        let backend = try await makeBackend()
        let path = uniquePath(pathPrefix, "missing-label")
        _ = try await backend.store(Secret(copying: "only"), at: path, labels: [.current], expectedCurrent: nil)
        for label in [VersionLabel.previous, .pending] {
            let error = await expectFailure([.notFound]) { () async throws(BackendError) in
                _ = try await backend.fetch(SecretRequest(path: path, version: .label(label)))
            }
            #expect(error?.description.contains(label.rawValue) == true, "the error names the label")
        }
        await expectFailure([.notFound, .invalidRequest]) { () async throws(BackendError) in
            _ = try await backend.fetch(SecretRequest(path: path, version: .id("987654")))
        }
    }

    /// A version stored as `pending` does not become current until the label moves; `removeLabel` takes a label
    /// off (and is a no-op when no version carries it).
    package static func moveAndRemoveLabels(
        _ makeBackend: MakeBackend,
        pathPrefix: String = defaultPathPrefix
    ) async throws {
        let backend = try await makeBackend()
        let path = uniquePath(pathPrefix, "labels")
        let old = Secret(copying: "old \(Canary.make())")
        let new = Secret(copying: "new \(Canary.make())")
        let oldID = try await backend.store(old, at: path, labels: [.current], expectedCurrent: nil)
        let newID = try await backend.store(new, at: path, labels: [.pending], expectedCurrent: oldID)

        #expect(try await backend.fetch(SecretRequest(path: path)).payload == old)
        let pending = try await backend.fetch(SecretRequest(path: path, version: .label(.pending)))
        #expect(pending.payload == new)
        #expect(pending.versionID == newID)

        try await backend.moveLabel(.current, to: newID, at: path)
        #expect(try await backend.fetch(SecretRequest(path: path)).payload == new)
        #expect(try await backend.fetch(SecretRequest(path: path, version: .label(.previous))).payload == old)

        try await backend.removeLabel(.pending, at: path)
        await expectFailure([.notFound]) { () async throws(BackendError) in
            _ = try await backend.fetch(SecretRequest(path: path, version: .label(.pending)))
        }
        try await backend.removeLabel(.pending, at: path)

        let metadata = try await backend.fetchMetadata(path)
        #expect(metadata.version(labelled: .current)?.versionID == newID)
        #expect(metadata.version(labelled: .previous)?.versionID == oldID)
        #expect(metadata.version(labelled: .pending) == nil)
    }

    /// Check-and-set: `""` means "must not exist", a stale id conflicts, the current id succeeds.
    package static func checkAndSet(
        _ makeBackend: MakeBackend,
        pathPrefix: String = defaultPathPrefix
    ) async throws {
        let backend = try await makeBackend()
        let path = uniquePath(pathPrefix, "cas")
        let firstID = try await backend.store(Secret(copying: "one"), at: path, labels: [.current], expectedCurrent: "")
        await expectFailure([.conflict]) { () async throws(BackendError) in
            _ = try await backend.store(Secret(copying: "two"), at: path, labels: [.current], expectedCurrent: "")
        }
        let secondID = try await backend.store(
            Secret(copying: "two"),
            at: path,
            labels: [.current],
            expectedCurrent: firstID
        )
        await expectFailure([.conflict]) { () async throws(BackendError) in
            _ = try await backend.store(
                Secret(copying: "three"),
                at: path,
                labels: [.current],
                expectedCurrent: firstID
            )
        }
        let current = try await backend.fetch(SecretRequest(path: path))
        #expect(current.versionID == secondID)
        #expect(current.payload == Secret(copying: "two"))
    }

    /// Metadata lists versions oldest first, with their labels and non-decreasing creation times.
    package static func metadataListsVersionsOldestFirst(
        _ makeBackend: MakeBackend,
        pathPrefix: String = defaultPathPrefix
    ) async throws {
        let backend = try await makeBackend()
        let path = uniquePath(pathPrefix, "metadata")
        var ids: [String] = []
        for index in 1...3 {
            ids.append(
                try await backend.store(
                    Secret(copying: "v\(index)"),
                    at: path,
                    labels: [.current],
                    expectedCurrent: nil
                )
            )
        }
        let metadata = try await backend.fetchMetadata(path)
        #expect(metadata.path == path)
        #expect(metadata.versions.map(\.versionID) == ids)
        #expect(metadata.versions.map(\.labels) == [[], [.previous], [.current]])
        let dates = metadata.versions.map(\.createdAt)
        #expect(dates == dates.sorted())
    }

    /// A batch read returns exactly one result per distinct request, with failures reported per request.
    package static func batchFetchReturnsOneResultPerDistinctRequest(
        _ makeBackend: MakeBackend,
        pathPrefix: String = defaultPathPrefix
    ) async throws {
        let backend = try await makeBackend()
        let first = uniquePath(pathPrefix, "batch-a")
        let second = uniquePath(pathPrefix, "batch-b")
        let missing = uniquePath(pathPrefix, "batch-missing")
        let a1 = Secret(copying: "a1")
        let a2 = Secret(copying: "a2")
        let b1 = Secret(copying: "b1")
        _ = try await backend.store(a1, at: first, labels: [.current], expectedCurrent: nil)
        _ = try await backend.store(a2, at: first, labels: [.current], expectedCurrent: nil)
        _ = try await backend.store(b1, at: second, labels: [.current], expectedCurrent: nil)

        let requests = [
            SecretRequest(path: first),
            SecretRequest(path: first),
            SecretRequest(path: first, version: .label(.previous)),
            SecretRequest(path: second),
            SecretRequest(path: second, version: .label(.previous)),
            SecretRequest(path: missing),
        ]
        let results = await backend.fetch(requests)
        #expect(results.count == Set(requests).count)
        #expect(try results[SecretRequest(path: first)]?.get().payload == a2)
        #expect(try results[SecretRequest(path: first, version: .label(.previous))]?.get().payload == a1)
        #expect(try results[SecretRequest(path: second)]?.get().payload == b1)
        #expect(failureCode(results[SecretRequest(path: second, version: .label(.previous))]) == .notFound)
        #expect(failureCode(results[SecretRequest(path: missing)]) == .notFound)
    }

    /// No error description, and no printed form of a fetched version, contains the payload (a canary).
    package static func errorsNeverContainPayload(
        _ makeBackend: MakeBackend,
        pathPrefix: String = defaultPathPrefix
    ) async throws {
        let backend = try await makeBackend()
        let path = uniquePath(pathPrefix, "canary")
        let canary = Canary.make()
        let payload = Secret(copying: try hostileJSON(password: canary))
        let id = try await backend.store(payload, at: path, labels: [.current], expectedCurrent: nil)

        var errors: [BackendError?] = []
        errors.append(
            await expectFailure([.conflict]) { () async throws(BackendError) in
                _ = try await backend.store(payload, at: path, labels: [.current], expectedCurrent: "")
            }
        )
        errors.append(
            await expectFailure([.conflict]) { () async throws(BackendError) in
                _ = try await backend.store(payload, at: path, labels: [.current], expectedCurrent: "987654")
            }
        )
        errors.append(
            await expectFailure([.notFound]) { () async throws(BackendError) in
                _ = try await backend.fetch(SecretRequest(path: path, version: .label(.previous)))
            }
        )
        errors.append(
            await expectFailure([.notFound, .invalidRequest]) { () async throws(BackendError) in
                try await backend.moveLabel(.current, to: "987654", at: path)
            }
        )
        let batch = await backend.fetch([
            SecretRequest(path: path, version: .label(.pending)),
            SecretRequest(path: uniquePath(pathPrefix, "canary-missing")),
        ])
        let fetched = try await backend.fetch(SecretRequest(path: path, version: .id(id)))

        var texts = errors.compactMap { $0 }.flatMap { [$0.description, String(reflecting: $0), $0.message] }
        for result in batch.values {
            texts.append(String(describing: result))
            texts.append(String(reflecting: result))
        }
        texts.append(String(describing: fetched))
        texts.append(String(reflecting: fetched))
        var dumped = ""
        dump(fetched, to: &dumped)
        texts.append(dumped)
        Canary.assertAbsent(canary, in: texts)
    }

    // MARK: - Helpers

    /// A fresh path under `prefix`, unique per call.
    static func uniquePath(_ prefix: String, _ name: String) -> SecretPath {
        SecretPath("\(prefix)/\(name)-\(Hex.encode(SecureRandom.bytes(count: 6)))")
    }

    /// A JSON object in the shape of `airflow/prod/db` whose password is `password`.
    static func hostileJSON(password: String) throws -> String {
        let object: [String: Any] = [
            "engine": "postgres", "username": "airflow", "password": password, "host": "db.internal.example",
            "port": 5432, "dbname": "airflow",
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Equal bytes, or two JSON objects that parse to equal values (keys and values, not formatting).
    package static func samePayload(_ fetched: Secret, _ stored: Secret) -> Bool {
        if fetched == stored { return true }
        func object(_ secret: Secret) -> NSDictionary? {
            secret.withUnsafeBytes { bytes in
                (try? JSONSerialization.jsonObject(with: Data(bytes))) as? NSDictionary
            }
        }
        guard let left = object(fetched), let right = object(stored) else { return false }
        return left.isEqual(right)
    }

    /// Expects `body` to fail with one of `codes`; returns the error it threw, or nil (recording an issue).
    @discardableResult
    static func expectFailure(
        _ codes: Set<BackendError.Code>,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws(BackendError) -> Void
    ) async -> BackendError? {
        do {
            try await body()
        } catch {
            #expect(
                codes.contains(error.code),
                "expected \(codes.map(\.rawValue).sorted()), got \(error.code.rawValue)",
                sourceLocation: sourceLocation
            )
            return error
        }
        Issue.record("expected a failure with \(codes.map(\.rawValue).sorted())", sourceLocation: sourceLocation)
        return nil
    }

    /// The code of a failed result, or nil.
    static func failureCode(_ result: Result<SecretVersion, BackendError>?) -> BackendError.Code? {
        guard case .failure(let error) = result else { return nil }
        return error.code
    }
}
