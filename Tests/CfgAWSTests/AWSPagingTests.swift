import CfgBackend
import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

@testable import CfgAWS

/// Paging is bounded: a server that keeps sending a `NextToken` is not asked forever (found by the fuzz harness:
/// before, `cfg render` sent BatchGetSecretValue without end).
@Suite struct AWSPagingTests {
    static let names = (0..<3).map { "airflow/prod/s\($0)" }

    @Test func aBatchAnsweredOneSecretPerPageIsReadInFull() async throws {
        let server = try ScriptedHTTPServer { request in
            let page = Int(
                String(decoding: request.body, as: UTF8.self).split(separator: "page-").last?.prefix(1) ?? "0"
            )
            let index = page ?? 0
            let token = index + 1 < Self.names.count ? #","NextToken":"page-\#(index + 1)""# : ""
            return AWSFailureTests.ok(
                #"{"SecretValues":["# + AWSFailureTests.secretJSON(Self.names[index], value: "v\(index)") + "]" + token
                    + "}"
            )
        }
        let backend = try AWSFailureTests.backend(server)
        let results = await backend.fetch(Self.names.map { SecretRequest(path: SecretPath($0)) })
        await backend.close()
        server.stop()
        for (index, name) in Self.names.enumerated() {
            #expect(try results[SecretRequest(path: SecretPath(name))]?.get().payload == Secret(copying: "v\(index)"))
        }
        #expect(server.requests.count == Self.names.count)
    }

    @Test func aBatchThatNeverEndsFailsAfterOnePagePerSecretAndOneMore() async throws {
        let server = try ScriptedHTTPServer { _ in AWSFailureTests.ok(#"{"SecretValues":[],"NextToken":"again"}"#) }
        let backend = try AWSFailureTests.backend(server)
        let results = await backend.fetch(Self.names.map { SecretRequest(path: SecretPath($0)) })
        await backend.close()
        server.stop()
        #expect(server.requests.count == SecretsManagerAPI.maxBatchPages(for: Self.names.count))
        for name in Self.names {
            let result = try #require(results[SecretRequest(path: SecretPath(name))])
            guard case .failure(let error) = result else {
                Issue.record("\(name) was read from an endless batch")
                continue
            }
            #expect(error.code == .unavailable)
            #expect(error.description.contains("NextToken after 4 pages for 3 secrets"))
        }
    }

    @Test func versionsThatNeverEndFailAfterTheListLimit() async throws {
        let server = try ScriptedHTTPServer { request in
            if AWSFailureTests.target(request) == "DescribeSecret" {
                return AWSFailureTests.ok(#"{"ARN":"arn:x","VersionIdsToStages":{}}"#)
            }
            return AWSFailureTests.ok(#"{"Versions":[],"NextToken":"again"}"#)
        }
        let backend = try AWSFailureTests.backend(server)
        let error = await #expect(throws: BackendError.self) {
            _ = try await backend.fetchMetadata(SecretPath("airflow/prod/db"))
        }
        await backend.close()
        server.stop()
        #expect(error?.code == .unavailable)
        #expect(server.requests.filter { AWSFailureTests.target($0) == "ListSecretVersionIds" }.count == 100)
    }
}
