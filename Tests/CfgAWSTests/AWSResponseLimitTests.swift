import CfgBackend
import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

@testable import CfgAWS

/// The response limits of the Secrets Manager client: the largest answers the API can send fit, and an answer a
/// byte past the limit is refused, naming the endpoint and the call, without a retry and without echoing it.
@Suite struct AWSResponseLimitTests {
    /// The largest value the service stores (65,536 bytes), every byte a control character that JSON must
    /// escape as `\u0001`: the worst case of escaping.
    static let largestEscapedValue = String(repeating: "\\u0001", count: 65_536)

    /// A `SecretValues` entry (or a `GetSecretValue` answer) for `name` as large as the API allows: the largest
    /// value, a 2,048-byte ARN and 20 version stages of 256 bytes.
    static func largestEntry(_ name: String) -> String {
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:\(name)-AbCdEf"
        let paddedARN = arn + String(repeating: "x", count: 2048 - arn.utf8.count)
        let stages = ["\"AWSCURRENT\""] + (1...19).map { "\"\(String(repeating: "s", count: 251))\($0 + 1000)\"" }
        return #"{"ARN":"\#(paddedARN)","Name":"\#(name)","VersionId":"11111111-2222-3333-4444-555555555555","#
            + #""SecretString":"\#(largestEscapedValue)","VersionStages":[\#(stages.joined(separator: ","))],"#
            + #""CreatedDate":1581968848.921}"#
    }

    /// `json` padded with trailing spaces (still valid JSON) to exactly `size` bytes.
    static func padded(_ json: String, to size: Int) -> ScriptedHTTPServer.ScriptedResponse {
        AWSFailureTests.ok(json + String(repeating: " ", count: size - json.utf8.count))
    }

    @Test func theLimitsHoldTheLargestAnswersTheAPICanSend() {
        let entry = Self.largestEntry("airflow/prod/db").utf8.count
        #expect(entry <= SecretsManagerClient.maxEscapedValueBytes + SecretsManagerClient.entryOverheadBytes)
        #expect(entry <= SecretsManagerClient.maxGetSecretValueResponseBytes)
        // 20 entries, 20 Errors entries and a NextToken of up to 4 KiB each.
        let page =
            20 * (SecretsManagerClient.maxEscapedValueBytes + SecretsManagerClient.entryOverheadBytes) + 21 * 4096
        #expect(page <= SecretsManagerClient.maxBatchGetSecretValueResponseBytes)
        #expect(SecretsManagerClient.maxResponseBytes(for: "GetSecretValue") == 512 << 10)
        #expect(SecretsManagerClient.maxResponseBytes(for: "BatchGetSecretValue") == 8 << 20)
        #expect(SecretsManagerClient.maxResponseBytes(for: "ListSecretVersionIds") == 1 << 20)
    }

    @Test func theLargestValueIsReadAloneAndInAFullBatch() async throws {
        let names = (0..<20).map { "airflow/prod/s\($0)" }
        let batch = #"{"SecretValues":["# + names.map(Self.largestEntry).joined(separator: ",") + #"],"Errors":[]}"#
        let server = try ScriptedHTTPServer { request in
            if AWSFailureTests.target(request) == "BatchGetSecretValue" { return AWSFailureTests.ok(batch) }
            return AWSFailureTests.ok(Self.largestEntry("airflow/prod/s0"))
        }
        let backend = try AWSFailureTests.backend(server)
        let single = try await backend.fetch(SecretRequest(path: SecretPath("airflow/prod/s0")))
        let results = await backend.fetch(names.map { SecretRequest(path: SecretPath($0)) })
        await backend.close()
        server.stop()
        #expect(batch.utf8.count > 7 << 20, "a page near its worst case")
        #expect(single.payload == Secret(bytes: Array(repeating: 1, count: 65_536)))
        #expect(results.count == 20)
        for name in names {
            #expect(try results[SecretRequest(path: SecretPath(name))]?.get().payload.count == 65_536)
        }
    }

    @Test func aGetSecretValueAnswerExactlyAtTheLimitIsRead() async throws {
        let server = try ScriptedHTTPServer { _ in
            Self.padded(AWSFailureTests.secretJSON("airflow/prod/db", value: "ok"), to: 512 << 10)
        }
        let backend = try AWSFailureTests.backend(server)
        let version = try await backend.fetch(SecretRequest(path: SecretPath("airflow/prod/db")))
        await backend.close()
        server.stop()
        #expect(version.payload == Secret(copying: "ok"))
    }

    @Test func aGetSecretValueAnswerOneBytePastTheLimitIsRefusedOnce() async throws {
        let canary = Canary.make()
        let server = try ScriptedHTTPServer { _ in
            Self.padded(AWSFailureTests.secretJSON("airflow/prod/db", value: canary), to: (512 << 10) + 1)
        }
        let backend = try AWSFailureTests.backend(server)
        let error = await #expect(throws: BackendError.self) {
            _ = try await backend.fetch(SecretRequest(path: SecretPath("airflow/prod/db")))
        }
        await backend.close()
        server.stop()
        #expect(error?.code == .unavailable)
        #expect(
            error?.description.hasPrefix(
                "Secrets Manager at \(server.baseURL)/ answered GetSecretValue for secret 'airflow/prod/db' with "
                    + "more than 512 KiB"
            ) == true,
            "\(error?.description ?? "")"
        )
        #expect(server.requests.count == 1, "an answer that is too large is not retried")
        Canary.assertAbsent(canary, in: [error?.description ?? "", String(reflecting: error)])
    }

    @Test func aBatchAnswerPastItsLimitFailsEverySecretOfTheBatch() async throws {
        let canary = Canary.make()
        let names = ["airflow/prod/db", "airflow/prod/redis"]
        let server = try ScriptedHTTPServer { _ in
            Self.padded(#"{"SecretValues":[],"Errors":[],"X":"\#(canary)"}"#, to: (8 << 20) + 1)
        }
        let backend = try AWSFailureTests.backend(server)
        let results = await backend.fetch(names.map { SecretRequest(path: SecretPath($0)) })
        await backend.close()
        server.stop()
        #expect(server.requests.count == 1)
        for name in names {
            let result = try #require(results[SecretRequest(path: SecretPath(name))])
            guard case .failure(let error) = result else {
                Issue.record("\(name) was read from an answer past the limit")
                continue
            }
            #expect(error.code == .unavailable)
            #expect(error.description.contains("answered BatchGetSecretValue"))
            #expect(error.description.contains("more than 8 MiB"))
            Canary.assertAbsent(canary, in: [error.description])
        }
    }
}
