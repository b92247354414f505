import CfgBackend
import CfgSecure
import Foundation
import Synchronization
import Testing

@testable import CfgProcess

/// The backend as `cfg run` sees it: dynamic secrets read once and kept with their leases, stored ones read every
/// time, replaced leases retired for revocation.
struct LeaseKeeperTests {
    static let db = SecretRequest(path: SecretPath("database/creds/airflow"), dynamic: true)
    static let cache = SecretRequest(path: SecretPath("database/creds/cache"), dynamic: true)
    static let smtp = SecretRequest(path: SecretPath("airflow/prod/smtp"))

    // MARK: Reads

    @Test func dynamicSecretIsFetchedOnceThenServedFromMemory() async throws {
        let backend = LeasingFake()
        let keeper = LeaseKeeper(backend)
        let first = try await keeper.fetch(Self.db)
        let second = try await keeper.fetch(Self.db)
        #expect(backend.fetches(of: Self.db) == 1)
        #expect(first.lease?.id == "lease-1")
        #expect(second.lease == first.lease)
        #expect(second.versionID == first.versionID)
        #expect(second.payload.stringValue() == first.payload.stringValue())
        #expect(keeper.leases == [Self.db.path: try #require(first.lease)])
    }

    @Test func dynamicSecretIsFetchedOnceInBatches() async throws {
        let backend = LeasingFake()
        let keeper = LeaseKeeper(backend)
        let first = await keeper.fetch([Self.db, Self.smtp, Self.db, Self.cache])
        #expect(Set(first.keys) == [Self.db, Self.smtp, Self.cache])
        let second = await keeper.fetch([Self.db, Self.smtp, Self.cache])
        let third = await keeper.fetch([Self.db, Self.cache])
        #expect(backend.fetches(of: Self.db) == 1)
        #expect(backend.fetches(of: Self.cache) == 1)
        #expect(backend.fetches(of: Self.smtp) == 2)
        for request in [Self.db, Self.cache] {
            let lease = try #require(try first[request]?.get().lease)
            #expect(try second[request]?.get().lease == lease)
            #expect(try third[request]?.get().lease == lease)
        }
        // A single read is served from what the batch kept.
        _ = try await keeper.fetch(Self.db)
        #expect(backend.fetches(of: Self.db) == 1)
    }

    @Test func batchAfterASingleReadReadsOnlyWhatIsMissing() async throws {
        let backend = LeasingFake()
        let keeper = LeaseKeeper(backend)
        let kept = try await keeper.fetch(Self.db)
        let results = await keeper.fetch([Self.db, Self.cache])
        #expect(try results[Self.db]?.get().lease == kept.lease)
        #expect(backend.fetches(of: Self.db) == 1)
        #expect(backend.fetches(of: Self.cache) == 1)
        #expect(backend.batches == [[Self.cache]])
    }

    @Test func storedSecretIsFetchedEveryTime() async throws {
        let backend = LeasingFake()
        let keeper = LeaseKeeper(backend)
        let first = try await keeper.fetch(Self.smtp)
        let second = try await keeper.fetch(Self.smtp)
        _ = await keeper.fetch([Self.smtp])
        #expect(backend.fetches(of: Self.smtp) == 3)
        #expect(first.versionID != second.versionID)
        #expect(keeper.leases.isEmpty)
        #expect(keeper.takeAll().isEmpty)
    }

    @Test func failedDynamicReadIsNotKept() async throws {
        let backend = LeasingFake(failing: [Self.db.path])
        let keeper = LeaseKeeper(backend)
        await #expect(throws: BackendError(.unavailable, backend: "fake", message: "")) {
            try await keeper.fetch(Self.db)
        }
        let batch = await keeper.fetch([Self.db])
        #expect(throws: BackendError(.unavailable, backend: "fake", message: "")) { try batch[Self.db]?.get() }
        backend.heal()
        let version = try await keeper.fetch(Self.db)
        #expect(backend.fetches(of: Self.db) == 3)
        #expect(keeper.leases == [Self.db.path: try #require(version.lease)])
        #expect(keeper.takeRetired().isEmpty)
    }

    // MARK: Leases

    @Test func invalidateMakesTheNextReadIssueANewSecretAndRetiresTheOldLease() async throws {
        let backend = LeasingFake()
        let keeper = LeaseKeeper(backend)
        let old = try #require(try await keeper.fetch(Self.db).lease)
        let other = try #require(try await keeper.fetch(Self.cache).lease)
        keeper.invalidate([Self.db.path])
        #expect(keeper.leases == [Self.cache.path: other])
        #expect(keeper.takeRetired() == [old])
        let new = try #require(try await keeper.fetch(Self.db).lease)
        #expect(new.id != old.id)
        #expect(backend.fetches(of: Self.db) == 2)
        #expect(keeper.leases == [Self.db.path: new, Self.cache.path: other])
        // Reads after the new issue are served from memory again; the other secret was never re-read.
        _ = try await keeper.fetch(Self.db)
        _ = try await keeper.fetch(Self.cache)
        #expect(backend.fetches(of: Self.db) == 2)
        #expect(backend.fetches(of: Self.cache) == 1)
    }

    @Test func invalidatingAPathNotKeptChangesNothing() async throws {
        let keeper = LeaseKeeper(LeasingFake())
        let lease = try #require(try await keeper.fetch(Self.db).lease)
        keeper.invalidate([SecretPath("database/creds/other"), Self.smtp.path])
        keeper.invalidate([])
        #expect(keeper.leases == [Self.db.path: lease])
        #expect(keeper.takeRetired().isEmpty)
    }

    @Test func takeRetiredHandsTheLeasesOverOnce() async throws {
        let keeper = LeaseKeeper(LeasingFake())
        let first = try #require(try await keeper.fetch(Self.db).lease)
        keeper.invalidate([Self.db.path])
        let second = try #require(try await keeper.fetch(Self.db).lease)
        keeper.invalidate([Self.db.path])
        _ = try await keeper.fetch(Self.db)
        #expect(keeper.takeRetired() == [first, second])
        #expect(keeper.takeRetired().isEmpty)
    }

    @Test func updateReplacesTheKeptLease() async throws {
        let keeper = LeaseKeeper(LeasingFake())
        let lease = try #require(try await keeper.fetch(Self.db).lease)
        var renewed = lease
        renewed.duration = .seconds(120)
        renewed.issuedAt = lease.issuedAt.addingTimeInterval(40)
        keeper.update(renewed, at: Self.db.path)
        #expect(keeper.leases == [Self.db.path: renewed])
        #expect(try await keeper.fetch(Self.db).lease == renewed)
        #expect(keeper.takeRetired().isEmpty)
    }

    @Test func updateOfAReplacedLeaseOrAnotherPathIsIgnored() async throws {
        let keeper = LeaseKeeper(LeasingFake())
        let old = try #require(try await keeper.fetch(Self.db).lease)
        keeper.invalidate([Self.db.path])
        let current = try #require(try await keeper.fetch(Self.db).lease)
        var late = old
        late.duration = .seconds(999)
        keeper.update(late, at: Self.db.path)
        var elsewhere = current
        elsewhere.duration = .seconds(999)
        keeper.update(elsewhere, at: Self.cache.path)
        #expect(keeper.leases == [Self.db.path: current])
    }

    @Test func takeAllReturnsCurrentAndRetiredLeasesOnce() async throws {
        let backend = LeasingFake()
        let keeper = LeaseKeeper(backend)
        let replaced = try #require(try await keeper.fetch(Self.db).lease)
        keeper.invalidate([Self.db.path])
        let db = try #require(try await keeper.fetch(Self.db).lease)
        let cache = try #require(try await keeper.fetch(Self.cache).lease)
        _ = try await keeper.fetch(Self.smtp)
        let all = keeper.takeAll()
        #expect(all.count == 3)
        #expect(Set(all) == [replaced, db, cache])
        #expect(keeper.takeAll().isEmpty)
        #expect(keeper.takeRetired().isEmpty)
        #expect(keeper.leases.isEmpty)
        // Nothing is kept any more: the next read issues a new secret.
        #expect(try await keeper.fetch(Self.db).lease != db)
        #expect(backend.fetches(of: Self.db) == 3)
    }

    // MARK: Everything else goes to the backend

    @Test func leasingIsTheBackendWhenItLeases() throws {
        let backend = LeasingFake()
        let keeper = LeaseKeeper(backend)
        let leasing = try #require(keeper.leasing)
        #expect((leasing as? LeasingFake) === backend)
        #expect(keeper.kind == "fake")
    }

    @Test func leasingIsNilForANonLeasingBackend() {
        let keeper = LeaseKeeper(PlainFake())
        #expect(keeper.leasing == nil)
        #expect(keeper.kind == "plain")
    }

    @Test func writesMetadataAndCloseAreForwarded() async throws {
        let backend = LeasingFake()
        let keeper = LeaseKeeper(backend)
        let id = try await keeper.store(
            Secret(copying: "{}"),
            at: Self.smtp.path,
            labels: [.pending],
            expectedCurrent: "3"
        )
        #expect(id == "stored")
        try await keeper.moveLabel(.current, to: "4", at: Self.smtp.path)
        try await keeper.removeLabel(.pending, at: Self.smtp.path)
        let metadata = try await keeper.fetchMetadata(Self.smtp.path)
        #expect(metadata.path == Self.smtp.path)
        await keeper.close()
        #expect(
            backend.calls == [
                "store airflow/prod/smtp [pending] expecting 3",
                "moveLabel current to 4 at airflow/prod/smtp",
                "removeLabel pending at airflow/prod/smtp",
                "fetchMetadata airflow/prod/smtp",
                "close",
            ]
        )
    }
}

/// A leasing backend in memory: it counts reads, issues a new lease with every read of a dynamic secret, and
/// records every other call.
private final class LeasingFake: SecretBackend, LeasingBackend {
    private struct State {
        var fetches: [SecretRequest: Int] = [:]
        var batches: [[SecretRequest]] = []
        var issued = 0
        var failing: Set<SecretPath>
        var calls: [String] = []
    }

    private let state: Mutex<State>
    static let issuedAt = Date(timeIntervalSince1970: 1_700_000_000)

    init(failing: Set<SecretPath> = []) {
        state = Mutex(State(failing: failing))
    }

    var kind: String { "fake" }

    func fetches(of request: SecretRequest) -> Int { state.withLock { $0.fetches[request, default: 0] } }

    /// The batches that reached the backend, each sorted by path.
    var batches: [[SecretRequest]] { state.withLock { $0.batches } }

    var calls: [String] { state.withLock { $0.calls } }

    /// Lets reads of the failing paths succeed from now on.
    func heal() { state.withLock { $0.failing = [] } }

    func fetch(_ request: SecretRequest) async throws(BackendError) -> SecretVersion {
        let (count, issued, failing) = state.withLock { state in
            state.fetches[request, default: 0] += 1
            let failing = state.failing.contains(request.path)
            if request.dynamic, !failing { state.issued += 1 }
            return (state.fetches[request, default: 0], state.issued, failing)
        }
        if failing {
            throw BackendError(.unavailable, backend: kind, path: request.path, message: "unavailable")
        }
        let lease =
            request.dynamic
            ? SecretLease(id: "lease-\(issued)", duration: .seconds(60), renewable: true, issuedAt: Self.issuedAt)
            : nil
        return SecretVersion(
            path: request.path,
            versionID: "\(count)",
            labels: [.current],
            createdAt: Self.issuedAt,
            payload: Secret(copying: #"{"password":"p\#(count)"}"#),
            lease: lease
        )
    }

    func fetch(_ requests: [SecretRequest]) async -> [SecretRequest: Result<SecretVersion, BackendError>] {
        state.withLock { $0.batches.append(requests.sorted { $0.path < $1.path }) }
        var results: [SecretRequest: Result<SecretVersion, BackendError>] = [:]
        for request in Set(requests) {
            results[request] = await result(of: request)
        }
        return results
    }

    func store(
        _ payload: Secret,
        at path: SecretPath,
        labels: Set<VersionLabel>,
        expectedCurrent: String?
    ) async throws(BackendError) -> String {
        let names = labels.sorted().map(\.rawValue).joined(separator: ",")
        record("store \(path) [\(names)] expecting \(expectedCurrent ?? "nothing")")
        return "stored"
    }

    func moveLabel(_ label: VersionLabel, to versionID: String, at path: SecretPath) async throws(BackendError) {
        record("moveLabel \(label.rawValue) to \(versionID) at \(path)")
    }

    func removeLabel(_ label: VersionLabel, at path: SecretPath) async throws(BackendError) {
        record("removeLabel \(label.rawValue) at \(path)")
    }

    func fetchMetadata(_ path: SecretPath) async throws(BackendError) -> SecretMetadata {
        record("fetchMetadata \(path)")
        return SecretMetadata(path: path, versions: [])
    }

    func close() async { record("close") }

    func renew(_ lease: SecretLease, increment: Duration) async throws(BackendError) -> SecretLease {
        var renewed = lease
        renewed.duration = increment
        return renewed
    }

    func revoke(_ lease: SecretLease) async throws(BackendError) {
        record("revoke \(lease.id)")
    }

    func renewSession() async throws(BackendError) -> Date? { nil }

    private func record(_ call: String) { state.withLock { $0.calls.append(call) } }
}

/// A backend without leases (like the local store).
private struct PlainFake: SecretBackend {
    var kind: String { "plain" }

    func fetch(_ request: SecretRequest) async throws(BackendError) -> SecretVersion {
        throw BackendError(.notFound, backend: kind, path: request.path, message: "not found")
    }

    func store(
        _ payload: Secret,
        at path: SecretPath,
        labels: Set<VersionLabel>,
        expectedCurrent: String?
    ) async throws(BackendError) -> String {
        throw BackendError(.unsupported, backend: kind, path: path, message: "read-only")
    }

    func moveLabel(_ label: VersionLabel, to versionID: String, at path: SecretPath) async throws(BackendError) {
        throw BackendError(.unsupported, backend: kind, path: path, message: "read-only")
    }

    func removeLabel(_ label: VersionLabel, at path: SecretPath) async throws(BackendError) {
        throw BackendError(.unsupported, backend: kind, path: path, message: "read-only")
    }

    func fetchMetadata(_ path: SecretPath) async throws(BackendError) -> SecretMetadata {
        SecretMetadata(path: path, versions: [])
    }
}
