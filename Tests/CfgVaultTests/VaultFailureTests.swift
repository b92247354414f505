import CfgBackend
import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Synchronization
import Testing

@testable import CfgVault

/// Failures: a server stopped in the middle of a run, a server too slow to answer, retries, sealed and standby
/// servers. Real OpenBao where it can show the behaviour; a scripted HTTP server for statuses OpenBao only sends
/// in clusters (412, a 502 from a proxy, a standby's 429).
@Suite struct VaultFailureTests {
    @Test func aServerStoppedInTheMiddleOfARunIsAClearError() async throws {
        _ = try TestServers.skipUnlessAvailable(try TestServers.baoBinary(), "the OpenBao binary")
        let server = try await OpenBaoProcess.startDev()
        defer { server.stop() }
        for name in ["db", "redis"] {
            let (status, _) = try await server.api("POST", "secret/data/airflow/\(name)", body: ["data": ["k": name]])
            try #require(status == 200)
        }
        // The server stops right after the first request of the run.
        let (backend, _, _) = try VaultFixture.backend(
            address: server.address,
            processEnvironment: ["VAULT_TOKEN": server.rootToken],
            afterEach: { count in if count == 1 { server.stop() } }
        )
        _ = try await backend.fetch(SecretRequest(path: SecretPath("airflow/db")))
        let error = await #expect(throws: BackendError.self) {
            try await backend.fetch(SecretRequest(path: SecretPath("airflow/redis")))
        }
        #expect(error?.code == .unreachable)
        #expect(error?.description.contains(server.address) == true)
        #expect(error?.description.contains("airflow/redis") == true)
        await backend.close()
    }

    @Test func aServerTooSlowToAnswerTimesOut() async throws {
        _ = try TestServers.skipUnlessAvailable(try TestServers.baoBinary(), "the OpenBao binary")
        let server = try await OpenBaoProcess.startDev()
        defer { server.stop() }
        server.freeze()
        defer { server.thaw() }
        let (backend, _, _) = try VaultFixture.backend(
            address: server.address,
            settings: VaultSettings(http: VaultSettings.http(timeoutSeconds: 1), auth: VaultFixture.tokenFromVariable),
            processEnvironment: ["VAULT_TOKEN": server.rootToken]
        )
        let start = ContinuousClock.now
        let error = await #expect(throws: BackendError.self) {
            try await backend.fetch(SecretRequest(path: SecretPath("airflow/db")))
        }
        // A hang guard, generous for a loaded 2-core machine.
        #expect(
            ContinuousClock.now - start < .seconds(120),
            "a frozen server never answers: only the timeout ends this"
        )
        #expect(error?.code == .unreachable)
        #expect(error?.description.contains("did not answer in time") == true)
        await backend.close()
    }

    /// A scripted server answering with `statuses` in turn (then 200 with a KV v2 answer).
    static func scripted(_ statuses: [(Int, String)]) throws -> ScriptedHTTPServer {
        let counter = Mutex(0)
        return try ScriptedHTTPServer { _ in
            let index = counter.withLock { value in
                defer { value += 1 }
                return value
            }
            if index < statuses.count {
                let (status, errors) = statuses[index]
                return .text("{\"errors\":[\"\(errors)\"]}", status: status)
            }
            return .text(
                """
                {"request_id":"r","lease_id":"","renewable":false,"lease_duration":0,"data":{"data":{"k":"v"},\
                "metadata":{"created_time":"2026-11-21T15:47:36.28413625Z","custom_metadata":null,\
                "deletion_time":"","destroyed":false,"version":1}},"wrap_info":null,"warnings":null,"auth":null}
                """
            )
        }
    }

    static func fetch(_ server: ScriptedHTTPServer, retries: Int = 2) async throws(BackendError) -> SecretVersion {
        let backend: VaultBackend
        do {
            backend = try VaultFixture.backend(
                address: server.baseURL,
                settings: VaultSettings(maxRetries: retries, auth: VaultFixture.tokenFromVariable),
                processEnvironment: ["VAULT_TOKEN": "t"]
            ).0
        } catch {
            throw BackendError(.invalidRequest, backend: "vault", message: "\(error)")
        }
        return try await VaultFixture.fetchAndClose(backend, "airflow/db")
    }

    @Test(arguments: [412, 429, 500, 502, 503])
    func retryableStatusesAreRetried(status: Int) async throws {
        let server = try Self.scripted([(status, "busy"), (status, "busy")])
        defer { server.stop() }
        let read = try await Self.fetch(server)
        #expect(read.payload == Secret(copying: "{\"k\":\"v\"}"))
        #expect(server.requests.count == 3)
    }

    @Test func retriesStopAtTheLimit() async throws {
        let server = try Self.scripted([(502, "bad gateway"), (502, "bad gateway"), (502, "bad gateway")])
        defer { server.stop() }
        let error = await #expect(throws: BackendError.self) { try await Self.fetch(server) }
        #expect(error?.code == .unavailable)
        #expect(error?.description.contains("after 3 attempts") == true)
        #expect(server.requests.count == 3)
    }

    @Test func notInitialisedIsNotRetried() async throws {
        let server = try Self.scripted([(501, "Vault is not initialized")])
        defer { server.stop() }
        let error = await #expect(throws: BackendError.self) { try await Self.fetch(server) }
        #expect(error?.code == .unavailable)
        #expect(server.requests.count == 1)
    }

    @Test func aSealedServerIsReportedAsSealed() async throws {
        let server = try Self.scripted(Array(repeating: (503, "Vault is sealed"), count: 5))
        defer { server.stop() }
        let error = await #expect(throws: BackendError.self) { try await Self.fetch(server) }
        #expect(error?.code == .unavailable)
        #expect(error?.description.contains("sealed") == true)
    }

    @Test func aStandbyIsReportedAsStandby() async throws {
        let server = try Self.scripted([(472, "standby")])
        defer { server.stop() }
        let error = await #expect(throws: BackendError.self) { try await Self.fetch(server) }
        #expect(error?.code == .unavailable)
        #expect(error?.description.contains("standby") == true)
    }

    @Test func aRateLimitQuotaIsRetriedAndThenReportedAsSuch() async throws {
        let quota = "request path \\\"airflow/db\\\": rate limit quota exceeded"
        let spent = try Self.scripted(Array(repeating: (429, quota), count: 3))
        defer { spent.stop() }
        let error = await #expect(throws: BackendError.self) { try await Self.fetch(spent, retries: 2) }
        #expect(error?.code == .unavailable)
        #expect(error?.description.contains("HTTP 429 (a rate limit quota) after 3 attempts") == true)
    }

    /// OpenBao itself: once a rate limit quota's rate is spent, it answers 429, which cfg reports as the quota.
    @Test func aRealRateLimitQuotaIsReportedAsSuch() async throws {
        _ = try TestServers.skipUnlessAvailable(try TestServers.baoBinary(), "the OpenBao binary")
        let server = try await OpenBaoProcess.startDev()
        defer { server.stop() }
        let (status, _) = try await server.api(
            "POST",
            "sys/quotas/rate-limit/cfg-test",
            body: ["path": "secret/", "rate": 1, "interval": "60s"]
        )
        try #require(status == 204 || status == 200)
        var errors: [BackendError] = []
        for _ in 0..<3 {
            let (backend, _, _) = try VaultFixture.backend(
                address: server.address,
                settings: VaultSettings(maxRetries: 1, auth: VaultFixture.tokenFromVariable),
                processEnvironment: ["VAULT_TOKEN": server.rootToken]
            )
            do {
                _ = try await VaultFixture.fetchAndClose(backend, "airflow/nothing-here")
            } catch {
                errors.append(error)
            }
        }
        #expect(errors.contains { $0.description.contains("HTTP 429 (a rate limit quota) after 2 attempts") })
    }

    @Test func aRealSealedServerIsReportedAsSealed() async throws {
        _ = try TestServers.skipUnlessAvailable(try TestServers.baoBinary(), "the OpenBao binary")
        let server = try await OpenBaoProcess.startDev()
        defer { server.stop() }
        let (status, _) = try await server.api("PUT", "sys/seal")
        try #require(status == 204 || status == 200)
        let (backend, _, _) = try VaultFixture.backend(
            address: server.address,
            settings: VaultSettings(maxRetries: 0, auth: VaultFixture.tokenFromVariable),
            processEnvironment: ["VAULT_TOKEN": server.rootToken]
        )
        let error = await #expect(throws: BackendError.self) {
            try await backend.fetch(SecretRequest(path: SecretPath("airflow/db")))
        }
        #expect(error?.code == .unavailable)
        #expect(error?.description.contains("sealed") == true)
        await backend.close()
    }

    @Test func theTokenAndTheBodyNeverReachAnError() async throws {
        let canary = Canary.make()
        let server = try Self.scripted(Array(repeating: (500, canary), count: 5))
        defer { server.stop() }
        let error = await #expect(throws: BackendError.self) { try await Self.fetch(server, retries: 0) }
        Canary.assertAbsent(canary, in: [error?.description ?? "", String(reflecting: error)])
        #expect(server.requests.first?.header("X-Vault-Token") == "t")
        #expect(server.requests.first?.header("X-Vault-Request") == "true")
    }
}
