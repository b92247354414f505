import CfgBackend
import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Synchronization
import Testing

@testable import CfgVault

/// A transport that records what passes through it (method and path only) and can run a hook after each request.
final class RecordingTransport: HTTPTransport {
    struct Entry: Sendable, Hashable {
        var method: String
        var path: String
    }

    let inner: any HTTPTransport
    private let state = Mutex<[Entry]>([])
    private let afterEach: @Sendable (Int) -> Void

    init(_ inner: any HTTPTransport, afterEach: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.inner = inner
        self.afterEach = afterEach
    }

    var entries: [Entry] { state.withLock { $0 } }

    func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        let path = URLComponents(string: request.url)?.percentEncodedPath ?? request.url
        let count = state.withLock { entries in
            entries.append(Entry(method: request.method.rawValue, path: path))
            return entries.count
        }
        defer { afterEach(count) }
        return try await inner.send(request)
    }
}

/// Admin calls for test setup (root token), over the project's own transport.
struct VaultAdmin: Sendable {
    var address: String
    var token: String
    var transport: CurlTransport

    init(address: String, token: String, tls: TLSOptions = TLSOptions()) throws {
        self.address = address
        self.token = token
        self.transport = try CurlTransport(options: HTTPClientOptions(tls: tls))
    }

    /// Sends a call; fails the test on an unexpected status.
    @discardableResult
    func call(
        _ method: HTTPMethod,
        _ path: String,
        _ body: [String: Any]? = nil,
        token override: String? = nil,
        namespace: String? = nil,
        expect statuses: Set<Int> = [200, 204]
    ) async throws -> [String: Any]? {
        var headers = [HTTPHeader("X-Vault-Token", override ?? token)]
        if let namespace { headers.append(HTTPHeader("X-Vault-Namespace", namespace)) }
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let response = try await transport.send(
            HTTPRequest(
                method: method,
                url: "\(address)/v1/\(path)",
                headers: headers,
                body: data.map { Secret(bytes: [UInt8]($0)) }
            )
        )
        let text = response.body.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        try #require(statuses.contains(response.status), "\(method.rawValue) \(path): HTTP \(response.status) \(text)")
        guard !text.isEmpty else { return nil }
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    }

    /// Writes a KV v2 secret directly.
    func writeKV(_ path: String, _ data: [String: Any], mount: String = "secret", namespace: String? = nil) async throws
    {
        try await call(.post, "\(mount)/data/\(path)", ["data": data], namespace: namespace)
    }

    /// A policy named `name` with `rules` (HCL).
    func policy(_ name: String, _ rules: String) async throws {
        try await call(.put, "sys/policies/acl/\(name)", ["policy": rules])
    }

    /// Enables an auth method or secrets engine at `path` unless it is there.
    func enable(_ kind: String, auth: Bool, at path: String, options: [String: Any]? = nil) async throws {
        var body: [String: Any] = ["type": kind]
        if let options { body["options"] = options }
        try await call(.post, (auth ? "sys/auth/" : "sys/mounts/") + path, body, expect: [200, 204, 400])
    }
}

/// Builds Vault backends for tests.
enum VaultFixture {
    /// The shared server `make test` started, or a skip outside `make test`.
    static func shared() throws -> TestServers.VaultServer {
        try TestServers.skipUnlessAvailable(try TestServers.vault(), "the test OpenBao server")
    }

    static func admin() throws -> VaultAdmin {
        let server = try shared()
        return try VaultAdmin(address: server.address, token: server.token)
    }

    /// The token in `VAULT_TOKEN`: the auth of a backend whose environment file names none while the variable is set.
    static let tokenFromVariable = VaultAuth.token(.variable("VAULT_TOKEN"))

    /// `settings` with Vault at `address`.
    static func settings(
        address: String,
        _ settings: VaultSettings = VaultSettings(auth: tokenFromVariable)
    ) -> VaultSettings {
        var settings = settings
        settings.address = address
        return settings
    }

    /// A backend on a recording libcurl transport.
    static func backend(
        address: String,
        settings: VaultSettings = VaultSettings(auth: tokenFromVariable),
        processEnvironment: [String: String],
        now: @escaping @Sendable () -> Date = { Date() },
        afterEach: @escaping @Sendable (Int) -> Void = { _ in }
    ) throws -> (VaultBackend, RecordingTransport, CurlTransport) {
        let settings = Self.settings(address: address, settings)
        let curl = try CurlTransport(options: settings.http)
        let recording = RecordingTransport(curl, afterEach: afterEach)
        let backend = VaultBackend(
            settings: settings,
            transport: recording,
            processEnvironment: processEnvironment,
            now: now,
            sleep: { _ in },
            releaseTransport: { curl.shutdown() }
        )
        return (backend, recording, curl)
    }

    /// A backend on the shared server with its root token (in `VAULT_TOKEN`).
    static func rootBackend(
        mount: String = VaultSettings.defaultMount,
        kvVersion: Int = VaultSettings.defaultKVVersion
    ) throws -> VaultBackend {
        let server = try shared()
        return try backend(
            address: server.address,
            settings: VaultSettings(mount: mount, kvVersion: kvVersion, auth: tokenFromVariable),
            processEnvironment: ["VAULT_TOKEN": server.token]
        ).0
    }

    /// Reads one secret and closes the backend, whatever the outcome.
    static func fetchAndClose(_ backend: VaultBackend, _ path: String) async throws(BackendError) -> SecretVersion {
        let result: Result<SecretVersion, BackendError>
        do {
            result = .success(try await backend.fetch(SecretRequest(path: SecretPath(path))))
        } catch {
            result = .failure(error)
        }
        await backend.close()
        return try result.get()
    }

    /// A unique name for this run.
    static func unique(_ prefix: String) -> String {
        "\(prefix)-\(Hex.encode(SecureRandom.bytes(count: 5)))"
    }

    /// Writes `text` to a new 0600 file in a fresh directory; returns its path.
    static func file(_ text: String, name: String = "credential") throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(unique("cfg-vault-test")).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + name
        try #require(
            FileManager.default.createFile(
                atPath: path,
                contents: Data(text.utf8),
                attributes: [.posixPermissions: 0o600]
            )
        )
        return path
    }
}
