import CfgBackend
import CfgLocal
import CfgRotation
import CfgSecure
import Foundation
import Synchronization

/// A local store in a scratch directory with one secret, an injected clock whose sleeps only move it forward, and a
/// generator that counts its calls: what the runner tests drive `RotationRunner` with.
final class RunnerFixture: Sendable {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 86_400
    static let path = SecretPath("airflow/test/secret_key")
    static let storeOnly = RotationMachine.Policy(
        every: .seconds(30 * 86_400),
        appliesToTarget: false,
        lockDuration: .seconds(300),
        lockWait: .seconds(60)
    )

    let backend: LocalBackend
    private let clock = Mutex(RunnerFixture.start)
    private let sleeps = Mutex<[Date]>([])
    private let generated = Mutex(0)

    /// Creates the store with `initial` as the secret's first (current) version, created 40 days before `start`.
    init(directory: String, initial: Secret) async throws {
        let storePath = directory + "/test.store"
        let key = SecureRandom.secret(count: 32)
        try LocalBackend.create(storePath: storePath, key: key, environmentName: "test")
        let created = Self.start.addingTimeInterval(-40 * Self.day)
        backend = LocalBackend(storePath: storePath, key: key, environmentName: "test", clock: { created })
        _ = try await backend.store(initial, at: Self.path, labels: [.current], expectedCurrent: "")
    }

    var now: Date { clock.withLock { $0 } }
    /// The dates the runner slept until.
    var sleptUntil: [Date] { sleeps.withLock { $0 } }
    /// How many values the generator made.
    var generatorCalls: Int { generated.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        clock.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// A runner over the fixture's store and clock; `value` makes each new value (a fresh random one by default).
    func runner(
        owner: String = "runner-a",
        policy: RotationMachine.Policy = RunnerFixture.storeOnly,
        target: (any RotationTarget)? = nil,
        value: @escaping @Sendable (Secret) throws -> Secret = { _ in SecureRandom.secret(count: 32) }
    ) -> RotationRunner {
        RotationRunner(
            backend: backend,
            path: Self.path,
            policy: policy,
            owner: owner,
            target: target,
            generate: { current in
                self.generated.withLock { $0 += 1 }
                return try value(current)
            },
            now: { self.now },
            sleep: { until in
                self.sleeps.withLock { $0.append(until) }
                self.clock.withLock { $0 = max($0, until) }
            }
        )
    }

    /// Which version carries each label.
    func labels() async throws -> [VersionLabel: String] {
        let metadata = try await backend.fetchMetadata(Self.path)
        var labels: [VersionLabel: String] = [:]
        for label in VersionLabel.allCases {
            labels[label] = metadata.version(labelled: label)?.versionID
        }
        return labels
    }

    /// The value of one version of the secret.
    func value(_ selector: VersionSelector) async throws -> Secret {
        try await backend.fetch(SecretRequest(path: Self.path, version: selector)).payload
    }

    /// The stored lock record.
    func lockRecord() async throws -> RotationLockRecord? {
        let version = try await backend.fetch(SecretRequest(path: RotationLockRecord.path(for: Self.path)))
        return RotationLockRecord(parsing: version.payload)
    }

    /// The stored rotation record.
    func rotationRecord() async throws -> RotationRecord? {
        let version = try await backend.fetch(SecretRequest(path: RotationRecord.path(for: Self.path)))
        return RotationRecord(parsing: version.payload)
    }

    /// Writes another run's lock record.
    func holdLock(owner: String, expiresAt: Date) async throws {
        let record = RotationLockRecord(lock: RotationLock(owner: owner, expiresAt: expiresAt))
        _ = try await backend.store(
            record.encoded(),
            at: RotationLockRecord.path(for: Self.path),
            labels: [.current],
            expectedCurrent: ""
        )
    }
}
