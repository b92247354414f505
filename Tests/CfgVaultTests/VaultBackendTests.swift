import CfgBackend
import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Synchronization
import Testing

@testable import CfgVault

/// The Vault backend against the real OpenBao server: KV v1 and v2, pinned versions, tokens, AppRole, namespaces
/// and the fetch plan.
@Suite struct VaultBackendTests {
    @Test func readsAKeyedSecretWrittenByAnotherClientAsItsJSON() async throws {
        let admin = try VaultFixture.admin()
        let path = VaultFixture.unique("airflow/test/db")
        let password = "p@ss:/?#[]%20 'q\" \\ ünï <&>"
        try await admin.writeKV(path, ["username": "airflow", "password": password, "port": 5432])
        let backend = try VaultFixture.rootBackend()
        let version = try await backend.fetch(SecretRequest(path: SecretPath(path)))
        let object = try version.payload.withUnsafeBytes {
            try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]
        }
        #expect(object?["password"] as? String == password)
        #expect(object?["port"] as? Int == 5432)
        #expect(version.versionID == "1" && version.labels == [.current])
        await backend.close()
    }

    @Test func pinnedVersionsReadThatVersion() async throws {
        let admin = try VaultFixture.admin()
        let path = VaultFixture.unique("pinned")
        for index in 1...3 { try await admin.writeKV(path, ["value": "v\(index)"]) }
        let backend = try VaultFixture.rootBackend()
        let second = try await backend.fetch(SecretRequest(path: SecretPath(path), version: .id("2")))
        #expect(second.payload == Secret(copying: "{\"value\":\"v2\"}"))
        #expect(second.labels == [.previous], "without cfg's labels, the version before the latest is previous")
        let previous = try await backend.fetch(SecretRequest(path: SecretPath(path), version: .label(.previous)))
        #expect(previous.versionID == "2")
        let missing = await #expect(throws: BackendError.self) {
            try await backend.fetch(SecretRequest(path: SecretPath(path), version: .id("9")))
        }
        #expect(missing?.code == .notFound)
        await backend.close()
    }

    @Test func aDeletedVersionIsNotFound() async throws {
        let admin = try VaultFixture.admin()
        let path = VaultFixture.unique("deleted")
        try await admin.writeKV(path, ["value": "gone"])
        try await admin.call(.post, "secret/delete/\(path)", ["versions": [1]])
        let backend = try VaultFixture.rootBackend()
        let error = await #expect(throws: BackendError.self) {
            try await backend.fetch(SecretRequest(path: SecretPath(path)))
        }
        #expect(error?.code == .notFound)
        await backend.close()
    }

    @Test func checkAndSetConflictsWithAConcurrentWriter() async throws {
        let backend = try VaultFixture.rootBackend()
        let path = SecretPath(VaultFixture.unique("cas-race"))
        let first = try await backend.store(
            Secret(copying: "{\"v\":1}"),
            at: path,
            labels: [.current],
            expectedCurrent: ""
        )
        @Sendable func attempt(_ value: Int) async -> BackendError.Code? {
            do {
                _ = try await backend.store(
                    Secret(copying: "{\"v\":\(value)}"),
                    at: path,
                    labels: [.current],
                    expectedCurrent: first
                )
                return nil
            } catch {
                return error.code
            }
        }
        async let one = attempt(2)
        async let two = attempt(3)
        let results = await [one, two]
        let conflicts = results.filter { $0 == .conflict }
        #expect(conflicts.count == 1, "exactly one of two writers with the same expected version wins")
        await backend.close()
    }

    @Test func kvVersion1ReadsAndWrites() async throws {
        let admin = try VaultFixture.admin()
        let mount = VaultFixture.unique("kv1")
        try await admin.enable("kv", auth: false, at: mount, options: ["version": "1"])
        try await admin.call(.post, "\(mount)/airflow/db", ["password": "one two"])
        let backend = try VaultFixture.rootBackend(mount: mount, kvVersion: 1)
        let read = try await backend.fetch(SecretRequest(path: SecretPath("airflow/db")))
        #expect(read.payload == Secret(copying: "{\"password\":\"one two\"}"))
        let text = Secret(copying: "plain text ✓")
        _ = try await backend.store(text, at: SecretPath("airflow/text"), labels: [.current], expectedCurrent: "")
        #expect(try await backend.fetch(SecretRequest(path: SecretPath("airflow/text"))).payload == text)
        let conflict = await #expect(throws: BackendError.self) {
            try await backend.store(text, at: SecretPath("airflow/text"), labels: [.current], expectedCurrent: "")
        }
        #expect(conflict?.code == .conflict)
        let previous = await #expect(throws: BackendError.self) {
            try await backend.fetch(SecretRequest(path: SecretPath("airflow/db"), version: .label(.previous)))
        }
        #expect(previous?.code == .notFound)
        await backend.close()
    }

    @Test func aMissingMountSaysSo() async throws {
        let backend = try VaultFixture.rootBackend(mount: "no-such-mount")
        let error = await #expect(throws: BackendError.self) {
            try await backend.fetch(SecretRequest(path: SecretPath("x")))
        }
        #expect(error?.code == .invalidRequest)
        #expect(error?.description.contains("no secrets engine") == true)
        await backend.close()
    }

    @Test func anInvalidTokenIsToldApartFromADeniedPath() async throws {
        let server = try VaultFixture.shared()
        let canary = Canary.make()
        let (backend, _, _) = try VaultFixture.backend(
            address: server.address,
            processEnvironment: ["VAULT_TOKEN": canary]
        )
        let error = await #expect(throws: BackendError.self) {
            try await backend.fetch(SecretRequest(path: SecretPath("a/b")))
        }
        #expect(error?.code == .authenticationFailed)
        Canary.assertAbsent(canary, in: [error?.description ?? "", String(reflecting: error)])
        await backend.close()
    }

    @Test func tokenComesFromATokenFile() async throws {
        let server = try VaultFixture.shared()
        let admin = try VaultFixture.admin()
        let path = VaultFixture.unique("token-file")
        try await admin.writeKV(path, ["k": "v"])
        let file = try VaultFixture.file(server.token + "\n", name: ".vault-token")
        let home = (file as NSString).deletingLastPathComponent
        let (backend, _, _) = try VaultFixture.backend(
            address: server.address,
            settings: VaultSettings(auth: .token(.homeFile(home + "/.vault-token"))),
            processEnvironment: ["HOME": home]
        )
        #expect(
            try await backend.fetch(SecretRequest(path: SecretPath(path))).payload == Secret(copying: "{\"k\":\"v\"}")
        )
        await backend.close()
        let (none, _, _) = try VaultFixture.backend(
            address: server.address,
            settings: VaultSettings(auth: .token(.missing)),
            processEnvironment: [:]
        )
        let error = await #expect(throws: BackendError.self) {
            try await none.fetch(SecretRequest(path: SecretPath(path)))
        }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.description.contains("VAULT_TOKEN") == true)
        await none.close()
    }

    // MARK: - AppRole, policies, the fetch plan

    /// An AppRole whose policy reads only `secret/data/<prefix>/allowed/*`; returns its role_id and secret_id
    /// files.
    static func appRole(prefix: String, tokenTTL: String = "10m") async throws -> (roleID: String, secretID: String) {
        let admin = try VaultFixture.admin()
        try await admin.enable("approle", auth: true, at: "approle")
        let policy = VaultFixture.unique("airflow-read")
        try await admin.policy(policy, "path \"secret/data/\(prefix)/allowed/*\" { capabilities = [\"read\"] }")
        let role = VaultFixture.unique("airflow")
        try await admin.call(.post, "auth/approle/role/\(role)", ["token_policies": [policy], "token_ttl": tokenTTL])
        let roleID = try #require(
            try await admin.call(.get, "auth/approle/role/\(role)/role-id")?["data"] as? [String: Any]
        )
        let secretID = try #require(
            try await admin.call(.post, "auth/approle/role/\(role)/secret-id")?["data"] as? [String: Any]
        )
        return (
            try VaultFixture.file(try #require(roleID["role_id"] as? String) + "\n", name: "role_id"),
            try VaultFixture.file(try #require(secretID["secret_id"] as? String), name: "secret_id")
        )
    }

    @Test func appRoleLogsInOnceAndItsPolicyDeniesOtherPaths() async throws {
        let server = try VaultFixture.shared()
        let admin = try VaultFixture.admin()
        let prefix = VaultFixture.unique("approle")
        let (roleID, secretID) = try await Self.appRole(prefix: prefix)
        var paths: [String] = []
        for index in 0..<7 {
            let path = "\(prefix)/allowed/s\(index)"
            try await admin.writeKV(path, ["value": "\(index)"])
            paths.append(path)
        }
        try await admin.writeKV("\(prefix)/denied/db", ["password": "x"])
        let settings = VaultSettings(
            auth: .appRole(mount: "approle", roleID: .file(roleID), secretID: .file(secretID))
        )
        let (backend, recording, curl) = try VaultFixture.backend(
            address: server.address,
            settings: settings,
            processEnvironment: [:]
        )

        // The fetch plan: duplicates collapse, one login, one request per distinct path, in parallel.
        let requests =
            paths.map { SecretRequest(path: SecretPath($0)) }
            + paths.prefix(3).map { SecretRequest(path: SecretPath($0)) }
        let results = await backend.fetch(requests)
        #expect(results.count == 7)
        #expect(results.values.allSatisfy { (try? $0.get()) != nil })
        let entries = recording.entries
        #expect(entries.filter { $0.path == "/v1/auth/approle/login" }.count == 1)
        #expect(entries.count == 8, "1 login + 7 reads, nothing else: \(entries)")
        // A cold pool may open one connection per parallel request; later reads reuse the kept-alive ones.
        let opened = curl.statistics.connectionsOpened
        #expect(opened <= 8, "\(curl.statistics)")
        for path in paths.prefix(3) {
            _ = try await backend.fetch(SecretRequest(path: SecretPath(path)))
        }
        #expect(curl.statistics.connectionsOpened == opened, "kept-alive connections are reused: \(curl.statistics)")

        let denied = await #expect(throws: BackendError.self) {
            try await backend.fetch(SecretRequest(path: SecretPath("\(prefix)/denied/db")))
        }
        #expect(denied?.code == .permissionDenied)
        #expect(denied?.description.contains("\(prefix)/denied/db") == true)
        #expect(await backend.sessionStatistics.logins == 1)

        // The token cfg created is revoked at the end (revokedLoginTokenNoLongerWorks checks the effect).
        await backend.close()
        #expect(recording.entries.last?.path == "/v1/auth/token/revoke-self")
    }

    @Test func revokedLoginTokenNoLongerWorks() async throws {
        let server = try VaultFixture.shared()
        let admin = try VaultFixture.admin()
        let prefix = VaultFixture.unique("revoke")
        let (roleID, secretID) = try await Self.appRole(prefix: prefix)
        try await admin.writeKV("\(prefix)/allowed/x", ["v": "1"])
        let settings = VaultFixture.settings(
            address: server.address,
            VaultSettings(auth: .appRole(mount: "approle", roleID: .file(roleID), secretID: .file(secretID)))
        )
        let curl = try CurlTransport(options: settings.http)
        let spy = TokenSpy(inner: curl)
        let backend = VaultBackend(settings: settings, transport: spy, processEnvironment: [:])
        _ = try await backend.fetch(SecretRequest(path: SecretPath("\(prefix)/allowed/x")))
        let token = try #require(spy.token)
        try await admin.call(.get, "auth/token/lookup-self", token: token)
        await backend.close()
        try await admin.call(.get, "auth/token/lookup-self", token: token, expect: [403])
    }

    @Test func aLoginTokenIsRenewedOnceHalfItsTTLHasPassed() async throws {
        let server = try VaultFixture.shared()
        let admin = try VaultFixture.admin()
        let prefix = VaultFixture.unique("renew")
        let (roleID, secretID) = try await Self.appRole(prefix: prefix, tokenTTL: "120s")
        try await admin.writeKV("\(prefix)/allowed/x", ["v": "1"])
        let clock = Mutex(Date())
        let settings = VaultSettings(
            auth: .appRole(mount: "approle", roleID: .file(roleID), secretID: .file(secretID))
        )
        let (backend, recording, _) = try VaultFixture.backend(
            address: server.address,
            settings: settings,
            processEnvironment: [:],
            now: { clock.withLock { $0 } }
        )
        let request = SecretRequest(path: SecretPath("\(prefix)/allowed/x"))
        _ = try await backend.fetch(request)
        clock.withLock { $0 += 30 }
        _ = try await backend.fetch(request)
        #expect(await backend.sessionStatistics.renewals == 0, "a quarter of the TTL: no renewal")
        clock.withLock { $0 += 40 }
        _ = try await backend.fetch(request)
        #expect(await backend.sessionStatistics.renewals == 1)
        #expect(recording.entries.contains { $0.path == "/v1/auth/token/renew-self" })
        #expect(await backend.sessionStatistics.logins == 1)
        await backend.close()
    }

    @Test func appRoleCredentialsFromVariablesAndClearErrorsWhenMissing() async throws {
        let server = try VaultFixture.shared()
        let prefix = VaultFixture.unique("approle-env")
        let (roleIDFile, secretIDFile) = try await Self.appRole(prefix: prefix)
        let secretID = try String(contentsOfFile: secretIDFile, encoding: .utf8)
        let settings = VaultSettings(
            auth: .appRole(mount: "approle", roleID: .file(roleIDFile), secretID: .variable("AIRFLOW_SECRET_ID"))
        )
        let (backend, _, _) = try VaultFixture.backend(
            address: server.address,
            settings: settings,
            processEnvironment: ["AIRFLOW_SECRET_ID": secretID]
        )
        let missing = await #expect(throws: BackendError.self) {
            try await backend.fetch(SecretRequest(path: SecretPath("\(prefix)/allowed/none")))
        }
        #expect(missing?.code == .notFound, "logged in; the secret itself is missing")
        await backend.close()

        let (unset, _, _) = try VaultFixture.backend(
            address: server.address,
            settings: settings,
            processEnvironment: [:]
        )
        let error = await #expect(throws: BackendError.self) {
            try await unset.fetch(SecretRequest(path: SecretPath("x")))
        }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.description.contains("AIRFLOW_SECRET_ID") == true)
        await unset.close()

        let wrong = VaultSettings(
            auth: .appRole(mount: "approle", roleID: .file(roleIDFile), secretID: .literal("wrong"))
        )
        let (rejected, _, _) = try VaultFixture.backend(
            address: server.address,
            settings: wrong,
            processEnvironment: [:]
        )
        let login = await #expect(throws: BackendError.self) {
            try await rejected.fetch(SecretRequest(path: SecretPath("x")))
        }
        #expect(login?.code == .authenticationFailed)
        Canary.assertAbsent(secretID, in: [login?.description ?? ""])
        await rejected.close()
    }

    // MARK: - Namespaces

    @Test func aNamespaceHeaderSelectsTheNamespace() async throws {
        let server = try VaultFixture.shared()
        let admin = try VaultFixture.admin()
        let namespace = VaultFixture.unique("team")
        try await admin.call(.post, "sys/namespaces/\(namespace)", [:])
        try await admin.call(
            .post,
            "sys/mounts/secret",
            ["type": "kv", "options": ["version": "2"]],
            namespace: namespace
        )
        try await admin.writeKV("airflow/db", ["password": "in-namespace"], namespace: namespace)

        let (inside, recording, _) = try VaultFixture.backend(
            address: server.address,
            settings: VaultSettings(namespace: namespace, auth: VaultFixture.tokenFromVariable),
            processEnvironment: ["VAULT_TOKEN": server.token]
        )
        let read = try await inside.fetch(SecretRequest(path: SecretPath("airflow/db")))
        #expect(read.payload == Secret(copying: "{\"password\":\"in-namespace\"}"))
        #expect(recording.entries.count == 1)
        await inside.close()

        let (root, _, _) = try VaultFixture.backend(
            address: server.address,
            settings: VaultSettings(namespace: namespace + "/", auth: VaultFixture.tokenFromVariable),
            processEnvironment: ["VAULT_TOKEN": server.token]
        )
        #expect(try await root.fetch(SecretRequest(path: SecretPath("airflow/db"))).payload == read.payload)
        await root.close()
        let (outside, _, _) = try VaultFixture.backend(
            address: server.address,
            processEnvironment: ["VAULT_TOKEN": server.token]
        )
        let error = await #expect(throws: BackendError.self) {
            try await outside.fetch(SecretRequest(path: SecretPath("airflow/db")))
        }
        #expect(error?.code == .notFound)
        #expect(error?.description.contains("policy hides a path") == true)
        await outside.close()
    }
}

/// Captures the token of the first authenticated request (a test needs it to check revocation).
final class TokenSpy: HTTPTransport {
    let inner: any HTTPTransport
    private let captured = Mutex<String?>(nil)

    init(inner: any HTTPTransport) {
        self.inner = inner
    }

    var token: String? { captured.withLock { $0 } }

    func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        if let header = request.headers.first(where: { $0.name == "X-Vault-Token" }) {
            let token = header.value.stringValue()
            captured.withLock { if $0 == nil { $0 = token } }
        }
        return try await inner.send(request)
    }
}
