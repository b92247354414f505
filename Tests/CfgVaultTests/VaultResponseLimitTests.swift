import CfgBackend
import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

@testable import CfgVault

/// The limit on one Vault answer (1 MiB): an answer exactly at it is read, one a byte past it is refused with the
/// endpoint and the call named, without a retry and without echoing the answer.
@Suite struct VaultResponseLimitTests {
    /// A KV v2 read answer whose data is `{"k": value}`, padded with trailing spaces (still valid JSON) to `size`.
    static func answer(value: String, size: Int) -> ScriptedHTTPServer.ScriptedResponse {
        let json = """
            {"request_id":"r","lease_id":"","renewable":false,"lease_duration":0,"data":{"data":{"k":"\(value)"},\
            "metadata":{"created_time":"2026-11-21T15:47:36.28413625Z","custom_metadata":null,\
            "deletion_time":"","destroyed":false,"version":1}},"wrap_info":null,"warnings":null,"auth":null}
            """
        return .text(json + String(repeating: " ", count: size - json.utf8.count))
    }

    @Test func anAnswerExactlyAtTheLimitIsRead() async throws {
        #expect(VaultClient.maxResponseBytes == 1 << 20)
        let value = String(repeating: "v", count: 1000)
        let server = try ScriptedHTTPServer { _ in Self.answer(value: value, size: 1 << 20) }
        defer { server.stop() }
        let read = try await VaultFailureTests.fetch(server)
        #expect(read.payload == Secret(copying: "{\"k\":\"\(value)\"}"))
    }

    @Test func anAnswerOneBytePastTheLimitIsRefusedOnce() async throws {
        let canary = Canary.make()
        let server = try ScriptedHTTPServer { _ in Self.answer(value: canary, size: (1 << 20) + 1) }
        defer { server.stop() }
        let error = await #expect(throws: BackendError.self) { try await VaultFailureTests.fetch(server) }
        #expect(error?.code == .unavailable)
        #expect(
            error?.description.hasPrefix(
                "Vault at \(server.baseURL)/v1/secret/data/airflow/db answered read of secret 'airflow/db' with more "
                    + "than 1 MiB"
            ) == true,
            "\(error?.description ?? "")"
        )
        #expect(server.requests.count == 1, "an answer that is too large is not retried")
        Canary.assertAbsent(canary, in: [error?.description ?? "", String(reflecting: error)])
    }
}
