import CfgHTTP
import CfgSecure
import Foundation
import Testing

/// The transport against a python3 HTTPS server with certificates made by the openssl CLI.
///
/// Skipped when openssl or python3 is missing, unless `CFG_REQUIRE_SERVERS=1`, which turns that into a failure.
@Suite(.enabled(if: TLSFixture.toolsAvailable || TLSFixture.serversRequired, "needs openssl and python3 on PATH"))
final class CurlTransportTLSTests {
    let certificates: TLSFixture

    init() throws {
        certificates = try TLSFixture()
    }

    deinit {
        certificates.remove()
    }

    /// Sends a GET to `server` with `tls` and returns the response.
    private func get(
        _ server: PythonTLSServer,
        tls: TLSOptions,
        path: String = "/v1/sys/health"
    ) async throws(HTTPError)
        -> HTTPResponse
    {
        let transport = try CurlTransport(options: HTTPClientOptions(tls: tls, totalTimeout: .seconds(20)))
        defer { transport.shutdown() }
        return try await transport.send(HTTPRequest(method: .get, url: "\(server.baseURL)\(path)"))
    }

    private func failure(_ server: PythonTLSServer, tls: TLSOptions) async -> HTTPError? {
        do {
            _ = try await get(server, tls: tls)
            return nil
        } catch {
            return error
        }
    }

    @Test func verifiesAgainstTheRightCA() async throws {
        let server = try PythonTLSServer(certificate: certificates.serverCertificate, key: certificates.serverKey)
        defer { server.stop() }

        let response = try await get(server, tls: TLSOptions(caFile: certificates.caCertificate))

        #expect(response.status == 200)
        #expect(TestSupport.text(response) == "host=127.0.0.1:\(server.port);sni=None")
    }

    @Test func verifiesAgainstACADirectory() async throws {
        let server = try PythonTLSServer(certificate: certificates.serverCertificate, key: certificates.serverKey)
        defer { server.stop() }

        let response = try await get(server, tls: TLSOptions(caPath: certificates.caDirectory))

        #expect(response.status == 200)
    }

    @Test func rejectsAServerWithoutTheCA() async throws {
        let server = try PythonTLSServer(certificate: certificates.serverCertificate, key: certificates.serverKey)
        defer { server.stop() }

        let error = await failure(server, tls: TLSOptions())

        #expect(error?.kind == .tls)
    }

    @Test func rejectsAServerSignedByAnotherCA() async throws {
        let server = try PythonTLSServer(certificate: certificates.serverCertificate, key: certificates.serverKey)
        defer { server.stop() }
        let transport = try CurlTransport(
            options: HTTPClientOptions(tls: TLSOptions(caFile: certificates.otherCACertificate))
        )
        defer { transport.shutdown() }
        let token = TestSupport.canary()

        let error = try #require(
            await TestSupport.failure(
                of: HTTPRequest(
                    method: .post,
                    url: "\(server.baseURL)/v1/auth/token/lookup-self",
                    headers: [HTTPHeader("X-Vault-Token", secret: Secret(copying: token))],
                    body: Secret(copying: "{\"token\":\"\(token)\"}")
                ),
                on: transport
            )
        )

        #expect(error.kind == .tls)
        #expect(error.description.contains("127.0.0.1:\(server.port)"))
        #expect(!error.description.contains(token))
    }

    @Test func verifyFalseAcceptsAnUnknownCA() async throws {
        let server = try PythonTLSServer(certificate: certificates.vaultCertificate, key: certificates.vaultKey)
        defer { server.stop() }

        let response = try await get(server, tls: TLSOptions(verify: false))

        #expect(response.status == 200)
    }

    @Test func serverNameOverridesSNIHostAndNameCheck() async throws {
        let server = try PythonTLSServer(certificate: certificates.vaultCertificate, key: certificates.vaultKey)
        defer { server.stop() }

        let response = try await get(
            server,
            tls: TLSOptions(caFile: certificates.caCertificate, serverName: "vault.test")
        )

        #expect(response.status == 200)
        #expect(TestSupport.text(response) == "host=vault.test:\(server.port);sni=vault.test")
    }

    @Test func certificateForAnotherNameIsRejected() async throws {
        let server = try PythonTLSServer(certificate: certificates.vaultCertificate, key: certificates.vaultKey)
        defer { server.stop() }

        let error = await failure(server, tls: TLSOptions(caFile: certificates.caCertificate))

        #expect(error?.kind == .tls)
    }

    @Test func mutualTLSRequiresTheClientCertificate() async throws {
        let server = try PythonTLSServer(
            certificate: certificates.serverCertificate,
            key: certificates.serverKey,
            clientCA: certificates.caCertificate
        )
        defer { server.stop() }

        let withoutCertificate = await failure(server, tls: TLSOptions(caFile: certificates.caCertificate))
        let response = try await get(
            server,
            tls: TLSOptions(
                caFile: certificates.caCertificate,
                clientCertificate: certificates.clientCertificate,
                clientKey: certificates.clientKey
            )
        )

        #expect(withoutCertificate?.kind == .tls)
        #expect(response.status == 200)
    }

    @Test func missingCAFileIsATLSError() async throws {
        let server = try PythonTLSServer(certificate: certificates.serverCertificate, key: certificates.serverKey)
        defer { server.stop() }

        let error = await failure(server, tls: TLSOptions(caFile: "\(certificates.directory)/missing.pem"))

        #expect(error?.kind == .tls)
        #expect(error?.description.contains("missing.pem") == true)
    }
}
