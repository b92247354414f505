import CfgTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Private OpenBao servers: dev and TLS dev mode, a mutual-TLS server from a configuration, freeze and stop.
struct OpenBaoProcessTests {
    /// Skips the test outside `make test` when OpenBao is not installed; fails under it.
    private func requireOpenBao() throws {
        _ = try TestServers.skipUnlessAvailable(try TestServers.baoBinary(), "OpenBao (bao)")
    }

    @Test func devServerWritesAndReadsAKVVersion2Secret() async throws {
        try requireOpenBao()
        let server = try await OpenBaoProcess.startDev()
        defer { server.stop() }
        #expect(server.address.hasPrefix("http://127.0.0.1:"))
        #expect(server.caCertificatePath == nil)

        let written = try await server.api(
            "POST",
            "secret/data/cfg-test/db",
            body: ["data": ["password": "s3cret", "user": "airflow"]]
        )
        #expect(written.status == 200)
        let read = try await server.api("GET", "/v1/secret/data/cfg-test/db")
        #expect(read.status == 200)
        let envelope = try #require(read.json?["data"] as? [String: Any])
        let data = try #require(envelope["data"] as? [String: String])
        #expect(data == ["password": "s3cret", "user": "airflow"])
    }

    @Test func devServerHonoursTheGivenRootTokenAndRejectsOthers() async throws {
        try requireOpenBao()
        let server = try await OpenBaoProcess.startDev(token: "cfg-test-chosen-token")
        defer { server.stop() }
        #expect(server.rootToken == "cfg-test-chosen-token")
        #expect(try await server.api("GET", "auth/token/lookup-self").status == 200)
        #expect(try await server.api("GET", "auth/token/lookup-self", token: "wrong-token").status == 403)
        #expect(try await server.api("GET", "auth/token/lookup-self", token: "").status == 403)
    }

    @Test func devServerDoesNotStoreItsTokenInHome() async throws {
        try requireOpenBao()
        let server = try await OpenBaoProcess.startDev()
        defer { server.stop() }
        #expect(!FileManager.default.fileExists(atPath: "\(server.directory)/.vault-token"))
        #expect(!server.logTail().contains(server.rootToken))
    }

    @Test func tlsDevServerServesHTTPSWithItsCACertificate() async throws {
        try requireOpenBao()
        let server = try await OpenBaoProcess.startDev(tls: true)
        defer { server.stop() }
        #expect(server.address.hasPrefix("https://127.0.0.1:"))
        let caPath = try #require(server.caCertificatePath)
        #expect(FileManager.default.fileExists(atPath: caPath))
        let pem = try String(contentsOfFile: caPath, encoding: .utf8)
        #expect(pem.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(try await server.api("GET", "sys/health").status == 200)
    }

    @Test func mutualTLSServerStartsFromAConfigurationInitialisedAndUnsealed() async throws {
        try requireOpenBao()
        try await TemporaryDirectory.with { directory in
            let certificates = try await OpenBaoProcess.makeCertificates(in: directory)
            let server = try await OpenBaoProcess.start(
                configHCL: """
                    storage "inmem" {}
                    disable_mlock = true
                    listener "tcp" {
                      address = "{{address}}"
                      tls_cert_file = "\(certificates.serverCertificatePath)"
                      tls_key_file = "\(certificates.serverKeyPath)"
                      tls_client_ca_file = "\(certificates.caCertificatePath)"
                      tls_require_and_verify_client_cert = true
                    }
                    """,
                caCertificatePath: certificates.caCertificatePath,
                clientCertificatePath: certificates.clientCertificatePath,
                clientKeyPath: certificates.clientKeyPath
            )
            defer { server.stop() }
            #expect(server.address.hasPrefix("https://127.0.0.1:"))
            #expect(server.unsealKey != nil)
            let health = try await server.api("GET", "sys/health")
            #expect(health.status == 200)
            #expect(health.json?["initialized"] as? Bool == true)
            #expect(health.json?["sealed"] as? Bool == false)

            let mounted = try await server.api(
                "POST",
                "sys/mounts/kv",
                body: ["type": "kv", "options": ["version": "2"]]
            )
            #expect(mounted.status == 204)

            // Without a client certificate the TLS handshake fails: curl exits non-zero.
            let status = try runCurl([
                "--cacert", certificates.caCertificatePath, "--output", "/dev/null", server.address + "/v1/sys/health",
            ])
            #expect(status != 0)
        }
    }

    @Test func frozenServerAnswersOnlyOnceThawed() async throws {
        try requireOpenBao()
        let server = try await OpenBaoProcess.startDev()
        defer { server.stop() }
        server.freeze()
        await #expect(throws: TestServerError(.commandFailed)) {
            try await server.api("GET", "sys/health", timeout: .seconds(1))
        }
        server.thaw()
        #expect(try await server.api("GET", "sys/health").status == 200)
    }

    @Test func stopLeavesNoProcessAndIsIdempotent() async throws {
        try requireOpenBao()
        let server = try await OpenBaoProcess.startDev()
        let pid = server.pid
        #expect(kill(pid, 0) == 0)
        server.freeze()  // a frozen server must stop too
        server.stop()
        #expect(kill(pid, 0) == -1)
        #expect(errno == ESRCH)
        #expect(!FileManager.default.fileExists(atPath: server.directory))
        server.stop()
        await #expect(throws: TestServerError(.commandFailed)) {
            try await server.api("GET", "sys/health", timeout: .seconds(2))
        }
    }

    @Test func startFailureIncludesTheLogTail() async throws {
        try requireOpenBao()
        let error = await #expect(throws: TestServerError(.startFailed)) {
            try await OpenBaoProcess.startDev(extraArguments: ["-no-such-flag"])
        }
        #expect(error?.description.contains("no-such-flag") == true)
    }

    /// Runs curl with `arguments` and returns its exit status.
    private func runCurl(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "-q", "--silent", "--noproxy", "*", "--max-time", "10"] + arguments
        process.environment = ["PATH": "/usr/local/bin:/usr/bin:/bin"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
