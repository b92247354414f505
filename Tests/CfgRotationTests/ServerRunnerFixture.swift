import CfgAWS
import CfgAWSAuth
import CfgBackend
import CfgHTTP
import CfgRotation
import CfgSecure
import CfgTestSupport
import CfgVault
import Foundation
import Synchronization
import Testing

/// One secret at a unique path on a real server backend (the shared OpenBao KV v2 mount or moto's Secrets Manager),
/// an injected clock whose sleeps only move it forward, and a generator that counts its calls: what the server runner
/// tests drive `RotationRunner` with.
final class ServerRunnerFixture: Sendable {
    /// The real backends `make test` serves.
    enum Server: String, CaseIterable, Sendable, CustomStringConvertible {
        case vault
        case aws

        var description: String { rawValue }
    }

    /// Fixed credentials for moto, which accepts any key and does not check signatures.
    struct MotoCredentials: AWSCredentialProvider {
        func credentials() async throws(AWSCredentialError) -> AWSCredentials {
            AWSCredentials(
                accessKeyID: "AKIDCFGTEST",
                secretAccessKey: Secret(copying: "cfg-test-secret-key"),
                source: "the test"
            )
        }
    }

    static let day: TimeInterval = 86_400
    static let storeOnly = RunnerFixture.storeOnly

    let server: Server
    let backend: any SecretBackend
    /// The rotated secret: unique per fixture.
    let path: SecretPath
    /// The version the fixture stored first (current).
    let initialVersion: String
    /// The clock's start: whole seconds (the records keep milliseconds), 31 days after the real time, so a secret
    /// just created on the server is due under ``storeOnly``.
    let start: Date
    private let clock: Mutex<Date>
    private let sleeps = Mutex<[Date]>([])
    private let generated = Mutex(0)
    private let realSleep: Duration?

    /// Creates the secret with `initial` as its first (current) version.
    ///
    /// - Parameter realSleep: how long each injected sleep also waits in real time (lets concurrent runs interleave);
    ///   nil: not at all.
    private init(server: Server, initial: Secret, realSleep: Duration?) async throws {
        self.server = server
        self.realSleep = realSleep
        backend = try Self.makeBackend(server)
        let unique = Hex.encode(SecureRandom.bytes(count: 5))
        path = SecretPath("cfg-runner-\(unique)/secret_key")
        start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 31 * Self.day).rounded(.down))
        clock = Mutex(start)
        initialVersion = try await backend.store(initial, at: path, labels: [.current], expectedCurrent: "")
    }

    /// Runs `body` with a fixture on `server`, closing its backend whatever the outcome.
    static func with(
        _ server: Server,
        initial: Secret,
        realSleep: Duration? = nil,
        _ body: (ServerRunnerFixture) async throws -> Void
    ) async throws {
        let fixture = try await ServerRunnerFixture(server: server, initial: initial, realSleep: realSleep)
        do {
            try await body(fixture)
        } catch {
            await fixture.backend.close()
            throw error
        }
        await fixture.backend.close()
    }

    /// A new backend on `server` over its own libcurl transport (what a second process would have).
    static func makeBackend(_ server: Server) throws -> any SecretBackend {
        switch server {
        case .vault:
            let vault = try TestServers.skipUnlessAvailable(try TestServers.vault(), "the test OpenBao server")
            var settings = VaultSettings(auth: .token(.variable("VAULT_TOKEN")))
            settings.address = vault.address
            let curl = try CurlTransport(options: settings.http)
            return VaultBackend(
                settings: settings,
                transport: curl,
                processEnvironment: ["VAULT_TOKEN": vault.token],
                sleep: { _ in },
                releaseTransport: { curl.shutdown() }
            )
        case .aws:
            let moto = try TestServers.skipUnlessAvailable(try TestServers.moto(), "moto_server")
            let curl = try CurlTransport(options: HTTPClientOptions())
            let client = SecretsManagerClient(
                endpoint: moto.endpoint,
                region: "us-east-1",
                credentials: MotoCredentials(),
                transport: curl
            )
            return AWSBackend(client: client, release: { curl.shutdown() })
        }
    }

    var now: Date { clock.withLock { $0 } }
    /// The dates the runners slept until.
    var sleptUntil: [Date] { sleeps.withLock { $0 } }
    /// How many values the generator made.
    var generatorCalls: Int { generated.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        clock.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// A runner over `backend` (the fixture's by default) and the fixture's clock; `value` makes each new value (a
    /// fresh random one by default).
    func runner(
        owner: String = "runner-a",
        backend: (any SecretBackend)? = nil,
        policy: RotationMachine.Policy = ServerRunnerFixture.storeOnly,
        value: @escaping @Sendable (Secret) throws -> Secret = { _ in SecureRandom.secret(count: 32) }
    ) -> RotationRunner {
        RotationRunner(
            backend: backend ?? self.backend,
            path: path,
            policy: policy,
            owner: owner,
            generate: { current in
                self.generated.withLock { $0 += 1 }
                return try value(current)
            },
            now: { self.now },
            sleep: { until in
                self.sleeps.withLock { $0.append(until) }
                if let realSleep = self.realSleep {
                    try? await Task.sleep(for: realSleep)
                }
                self.clock.withLock { $0 = max($0, until) }
            }
        )
    }

    /// Which version carries each label, read back through the backend.
    func labels() async throws -> [VersionLabel: String] {
        let metadata = try await backend.fetchMetadata(path)
        var labels: [VersionLabel: String] = [:]
        for label in VersionLabel.allCases {
            labels[label] = metadata.version(labelled: label)?.versionID
        }
        return labels
    }

    /// One version of the secret, read back through the backend.
    func version(_ selector: VersionSelector) async throws -> SecretVersion {
        try await backend.fetch(SecretRequest(path: path, version: selector))
    }

    /// The stored lock record.
    func lockRecord() async throws -> RotationLockRecord? {
        let version = try await backend.fetch(SecretRequest(path: RotationLockRecord.path(for: path)))
        return RotationLockRecord(parsing: version.payload)
    }

    /// The stored rotation record.
    func rotationRecord() async throws -> RotationRecord? {
        let version = try await backend.fetch(SecretRequest(path: RotationRecord.path(for: path)))
        return RotationRecord(parsing: version.payload)
    }

    /// The stored lock and rotation records' JSON, as text.
    func recordTexts() async throws -> [String] {
        var texts: [String] = []
        for recordPath in [RotationLockRecord.path(for: path), RotationRecord.path(for: path)] {
            let record = try await backend.fetch(SecretRequest(path: recordPath))
            texts.append(record.payload.stringValue() ?? "")
        }
        return texts
    }

    /// Writes another run's lock record.
    func holdLock(_ lock: RotationLock) async throws {
        _ = try await backend.store(
            RotationLockRecord(lock: lock).encoded(),
            at: RotationLockRecord.path(for: path),
            labels: [.current],
            expectedCurrent: ""
        )
    }
}
