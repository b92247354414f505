import CfgBackend
import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

@testable import CfgVault

/// TLS against private OpenBao servers: a self-signed CA, a wrong CA, a server-name override and mutual TLS.
@Suite struct VaultTLSTests {
    /// A private dev server with TLS and a KV secret; skipped outside `make test` when bao is missing.
    static func tlsServer() async throws -> OpenBaoProcess {
        _ = try TestServers.skipUnlessAvailable(try TestServers.baoBinary(), "the OpenBao binary")
        let server = try await OpenBaoProcess.startDev(tls: true)
        let (status, _) = try await server.api("POST", "secret/data/airflow/db", body: ["data": ["password": "tls"]])
        try #require(status == 200)
        return server
    }

    static func fetch(_ server: OpenBaoProcess, tls: TLSOptions) async throws(BackendError) -> SecretVersion {
        let settings = VaultFixture.settings(
            address: server.address,
            VaultSettings(http: VaultSettings.http(tls: tls), auth: VaultFixture.tokenFromVariable)
        )
        let backend: VaultBackend
        do {
            backend = VaultBackend(
                settings: settings,
                transport: try CurlTransportFactory.make(settings),
                processEnvironment: ["VAULT_TOKEN": server.rootToken]
            )
        } catch {
            throw BackendError(.invalidRequest, backend: "vault", message: "\(error)")
        }
        return try await VaultFixture.fetchAndClose(backend, "airflow/db")
    }

    /// A fresh directory for certificates.
    static func directory(_ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(VaultFixture.unique(name)).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func verificationWithTheRightCASucceedsAndFailsWithoutIt() async throws {
        let server = try await Self.tlsServer()
        defer { server.stop() }
        let ca = try #require(server.caCertificatePath)
        let read = try await Self.fetch(server, tls: TLSOptions(caFile: ca))
        #expect(read.payload == Secret(copying: "{\"password\":\"tls\"}"))

        let untrusted = await #expect(throws: BackendError.self) { try await Self.fetch(server, tls: TLSOptions()) }
        #expect(untrusted?.code == .tls)
        #expect(untrusted?.description.contains("TLS") == true)

        let other = try await OpenBaoProcess.makeCertificates(in: try Self.directory("other-ca"))
        let wrong = await #expect(throws: BackendError.self) {
            try await Self.fetch(server, tls: TLSOptions(caFile: other.caCertificatePath))
        }
        #expect(wrong?.code == .tls)

        let skipped = try await Self.fetch(server, tls: TLSOptions(verify: false))
        #expect(skipped.payload == read.payload)
    }

    @Test func aServerNameOverrideIsCheckedAgainstTheCertificate() async throws {
        let server = try await Self.tlsServer()
        defer { server.stop() }
        let ca = try #require(server.caCertificatePath)
        // The dev certificate names localhost and 127.0.0.1, not vault.test.
        let read = try await Self.fetch(server, tls: TLSOptions(caFile: ca, serverName: "localhost"))
        #expect(read.payload == Secret(copying: "{\"password\":\"tls\"}"))
        let mismatch = await #expect(throws: BackendError.self) {
            try await Self.fetch(server, tls: TLSOptions(caFile: ca, serverName: "vault.test"))
        }
        #expect(mismatch?.code == .tls)
    }

    @Test func mutualTLSNeedsTheClientCertificate() async throws {
        _ = try TestServers.skipUnlessAvailable(try TestServers.baoBinary(), "the OpenBao binary")
        let certificates = try await OpenBaoProcess.makeCertificates(in: try Self.directory("mtls"))
        let server = try await OpenBaoProcess.start(
            configHCL: """
                storage "inmem" {}
                listener "tcp" {
                  address = "{{address}}"
                  tls_cert_file = "\(certificates.serverCertificatePath)"
                  tls_key_file = "\(certificates.serverKeyPath)"
                  tls_client_ca_file = "\(certificates.caCertificatePath)"
                  tls_require_and_verify_client_cert = true
                }
                disable_mlock = true
                """,
            caCertificatePath: certificates.caCertificatePath,
            clientCertificatePath: certificates.clientCertificatePath,
            clientKeyPath: certificates.clientKeyPath
        )
        defer { server.stop() }
        let (mounted, _) = try await server.api(
            "POST",
            "sys/mounts/secret",
            body: ["type": "kv", "options": ["version": "2"]]
        )
        try #require(mounted == 204 || mounted == 200)
        let (written, _) = try await server.api("POST", "secret/data/airflow/db", body: ["data": ["password": "tls"]])
        try #require(written == 200)

        let withCertificate = try await Self.fetch(
            server,
            tls: TLSOptions(
                caFile: certificates.caCertificatePath,
                clientCertificate: certificates.clientCertificatePath,
                clientKey: certificates.clientKeyPath
            )
        )
        #expect(withCertificate.payload == Secret(copying: "{\"password\":\"tls\"}"))
        let without = await #expect(throws: BackendError.self) {
            try await Self.fetch(server, tls: TLSOptions(caFile: certificates.caCertificatePath))
        }
        #expect(without.map { [.tls, .unreachable].contains($0.code) } == true, "\(String(describing: without))")
    }
}

/// A libcurl transport for settings (tests that build backends by hand).
enum CurlTransportFactory {
    static func make(_ settings: VaultSettings) throws -> CurlTransport {
        try CurlTransport(options: settings.http)
    }
}
