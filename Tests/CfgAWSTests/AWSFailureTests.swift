import CfgAWSAuth
import CfgBackend
import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Synchronization
import Testing

@testable import CfgAWS

/// Failure classification, retries and idempotency against a scripted Secrets Manager on 127.0.0.1.
@Suite struct AWSFailureTests {
    /// An AWS JSON 1.1 error answer.
    static func awsError(
        _ code: String,
        status: Int = 400,
        message: String = "refused",
        date: Date? = nil
    ) -> ScriptedHTTPServer.ScriptedResponse {
        var headers = [
            ScriptedHTTPServer.HeaderField("Content-Type", "application/x-amz-json-1.1"),
            ScriptedHTTPServer.HeaderField("x-amzn-ErrorType", "\(code):http://internal.amazon.com/coral/"),
        ]
        if let date {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            headers.append(.init("Date", formatter.string(from: date)))
        }
        let body = #"{"__type":"com.amazonaws.secretsmanager#\#(code)","message":"\#(message)"}"#
        return ScriptedHTTPServer.ScriptedResponse(status: status, headers: headers, body: Array(body.utf8))
    }

    static func ok(_ json: String) -> ScriptedHTTPServer.ScriptedResponse {
        ScriptedHTTPServer.ScriptedResponse(
            status: 200,
            headers: [.init("Content-Type", "application/x-amz-json-1.1")],
            body: Array(json.utf8)
        )
    }

    static func secretJSON(_ name: String, value: String) -> String {
        #"{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:\#(name)-AbCdEf","Name":"\#(name)","#
            + #""VersionId":"11111111-2222-3333-4444-555555555555","SecretString":"\#(value)","#
            + #""VersionStages":["AWSCURRENT"],"CreatedDate":1581968848.921}"#
    }

    /// A backend on a scripted server, with instant retries.
    static func backend(
        _ server: ScriptedHTTPServer,
        credentials: any AWSCredentialProvider = FixedCredentials(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws -> AWSBackend {
        let transport = try CurlTransport(options: HTTPClientOptions())
        let client = SecretsManagerClient(
            endpoint: server.baseURL,
            region: "us-east-1",
            credentials: credentials,
            transport: transport,
            now: now,
            sleep: { _ in },
            random: { 0.5 }
        )
        return AWSBackend(client: client, release: { transport.shutdown() })
    }

    static func target(_ request: ScriptedHTTPServer.RecordedRequest) -> String {
        (request.header("X-Amz-Target") ?? "").replacingOccurrences(of: "secretsmanager.", with: "")
    }

    @Test(arguments: [
        ("ResourceNotFoundException", 400, BackendError.Code.notFound),
        ("AccessDeniedException", 400, .permissionDenied),
        ("DecryptionFailure", 400, .decryptionFailed),
        ("UnrecognizedClientException", 400, .authenticationFailed),
        ("InvalidSignatureException", 400, .authenticationFailed),
        ("ExpiredTokenException", 400, .authenticationFailed),
        ("InvalidParameterException", 400, .invalidRequest),
    ])
    func serviceErrorsAreClassifiedAndNotRetried(code: String, status: Int, expected: BackendError.Code) async throws {
        let canary = Canary.make()
        let server = try ScriptedHTTPServer { _ in Self.awsError(code, status: status, message: canary) }
        let backend = try Self.backend(server)
        let error = await #expect(throws: BackendError.self) {
            _ = try await backend.fetch(SecretRequest(path: SecretPath("airflow/prod/db")))
        }
        await backend.close()
        server.stop()
        #expect(error?.code == expected)
        #expect(error?.description.contains("airflow/prod/db") == true, "names the secret")
        #expect(server.requests.count == 1, "not retried")
        // AWS's message may quote anything: it is never shown.
        Canary.assertAbsent(canary, in: [error?.description ?? "", String(reflecting: error)])
    }

    @Test func expiredTokensAndDecryptionFailuresSaySo() async throws {
        for (code, phrase) in [("ExpiredTokenException", "expired"), ("DecryptionFailure", "KMS key")] {
            let server = try ScriptedHTTPServer { _ in Self.awsError(code) }
            let backend = try Self.backend(server)
            let error = await #expect(throws: BackendError.self) {
                _ = try await backend.fetch(SecretRequest(path: SecretPath("airflow/prod/db")))
            }
            await backend.close()
            server.stop()
            #expect(error?.description.contains(phrase) == true)
        }
    }

    @Test func throttlingIsRetriedThenReportedAsThrottled() async throws {
        let server = try ScriptedHTTPServer { _ in Self.awsError("ThrottlingException") }
        let backend = try Self.backend(server)
        let error = await #expect(throws: BackendError.self) {
            _ = try await backend.fetch(SecretRequest(path: SecretPath("airflow/prod/db")))
        }
        await backend.close()
        server.stop()
        #expect(error?.code == .throttled)
        #expect(server.requests.count == 3, "the first attempt and two retries")
        #expect(error?.description.contains("3 attempts") == true)
        #expect(error?.description.contains("airflow/prod/db") == true)
    }

    @Test func serverErrorsAreRetriedUntilOneSucceeds() async throws {
        let count = Mutex(0)
        let server = try ScriptedHTTPServer { _ in
            let attempt = count.withLock { value in
                value += 1
                return value
            }
            return attempt < 3
                ? Self.awsError("InternalServiceError", status: 500)
                : Self.ok(Self.secretJSON("airflow/prod/db", value: "ok"))
        }
        let backend = try Self.backend(server)
        let version = try await backend.fetch(SecretRequest(path: SecretPath("airflow/prod/db")))
        await backend.close()
        server.stop()
        #expect(version.payload == Secret(copying: "ok"))
        #expect(server.requests.count == 3)
        // Each attempt is signed afresh.
        #expect(Set(server.requests.compactMap { $0.header("Authorization") }).count >= 1)
    }

    @Test func aRetriedWriteKeepsItsClientRequestToken() async throws {
        let count = Mutex(0)
        let server = try ScriptedHTTPServer { request in
            let attempt = count.withLock { value in
                value += 1
                return value
            }
            if Self.target(request) == "DescribeSecret" {
                return Self.ok(#"{"ARN":"arn","VersionIdsToStages":{"v1":["AWSCURRENT"]}}"#)
            }
            return attempt < 3
                ? Self.awsError("ServiceUnavailable", status: 503)
                : Self.ok(#"{"ARN":"arn","Name":"n","VersionId":"v2","VersionStages":["AWSCURRENT"]}"#)
        }
        let backend = try Self.backend(server)
        let id = try await backend.store(
            Secret(copying: "value"),
            at: SecretPath("airflow/prod/db"),
            labels: [.current],
            expectedCurrent: nil
        )
        await backend.close()
        server.stop()
        #expect(id == "v2")
        let puts = server.requests.filter { Self.target($0) == "PutSecretValue" }
        #expect(puts.count == 3)
        let tokens = try puts.map { request in
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
            )
            return try #require(object["ClientRequestToken"] as? String)
        }
        #expect(Set(tokens).count == 1, "one token for every attempt of one write")
        #expect((32...64).contains(tokens[0].count))
    }

    @Test func aSkewedClockIsReportedAsSuch() async throws {
        // The server says it is 20 minutes later than the signing time.
        let signing = Date(timeIntervalSince1970: 1_800_000_000)
        let server = try ScriptedHTTPServer { _ in
            Self.awsError("InvalidSignatureException", date: signing.addingTimeInterval(1200))
        }
        let backend = try Self.backend(server, now: { signing })
        let error = await #expect(throws: BackendError.self) {
            _ = try await backend.fetch(SecretRequest(path: SecretPath("airflow/prod/db")))
        }
        await backend.close()
        server.stop()
        #expect(error?.code == .authenticationFailed)
        #expect(error?.description.contains("clock") == true)
        #expect(error?.description.contains("1200 s behind") == true)

        let expired = try ScriptedHTTPServer { _ in Self.awsError("RequestExpired") }
        let second = try Self.backend(expired)
        let expiredError = await #expect(throws: BackendError.self) {
            _ = try await second.fetch(SecretRequest(path: SecretPath("airflow/prod/db")))
        }
        await second.close()
        expired.stop()
        #expect(expiredError?.description.contains("clock") == true)
    }

    @Test func anUnreachableEndpointIsNamed() async throws {
        // A server that drops every connection unanswered, kept running so no other test can take its port.
        let server = try ScriptedHTTPServer { _ in .close }
        defer { server.stop() }
        let backend = try Self.backend(server)
        let error = await #expect(throws: BackendError.self) {
            _ = try await backend.fetch(SecretRequest(path: SecretPath("airflow/prod/db")))
        }
        await backend.close()
        #expect(error?.code == .unreachable)
        #expect(error?.description.contains(server.baseURL) == true)
        #expect(error?.description.contains("airflow/prod/db") == true)
    }

    @Test func missingCredentialsAreAnAuthenticationFailureWithTheChainsReason() async throws {
        let server = try ScriptedHTTPServer { _ in Self.ok("{}") }
        let backend = try Self.backend(server, credentials: MissingCredentials())
        let error = await #expect(throws: BackendError.self) {
            _ = try await backend.fetch(SecretRequest(path: SecretPath("airflow/prod/db")))
        }
        await backend.close()
        server.stop()
        #expect(error?.code == .authenticationFailed)
        #expect(error?.description.contains("no credentials in the test") == true)
        #expect(server.requests.isEmpty)
    }

    @Test func aBatchTheCallerMayNotUseFallsBackToSingleReads() async throws {
        let server = try ScriptedHTTPServer { request in
            if Self.target(request) == "BatchGetSecretValue" { return Self.awsError("AccessDeniedException") }
            let body = String(decoding: request.body, as: UTF8.self)
            let name = body.contains("airflow/prod/db") ? "airflow/prod/db" : "airflow/prod/redis"
            return Self.ok(Self.secretJSON(name, value: name))
        }
        let backend = try Self.backend(server)
        let results = await backend.fetch([
            SecretRequest(path: SecretPath("airflow/prod/db")), SecretRequest(path: SecretPath("airflow/prod/redis")),
        ])
        await backend.close()
        server.stop()
        #expect(
            server.requests.map(Self.target).sorted() == ["BatchGetSecretValue", "GetSecretValue", "GetSecretValue"]
        )
        #expect(
            try results[SecretRequest(path: SecretPath("airflow/prod/redis"))]?.get().payload
                == Secret(copying: "airflow/prod/redis")
        )
    }

    @Test func aSecretBinaryIsDecoded() async throws {
        let bytes: [UInt8] = [0, 1, 2, 0xFF, 0xFE]
        let encoded = Data(bytes).base64EncodedString()
        let server = try ScriptedHTTPServer { _ in
            Self.ok(
                #"{"ARN":"arn:aws:secretsmanager:us-east-1:1:secret:k-AbCdEf","Name":"k","VersionId":"v","#
                    + #""SecretBinary":"\#(encoded)","VersionStages":["AWSCURRENT"],"CreatedDate":1}"#
            )
        }
        let backend = try Self.backend(server)
        let version = try await backend.fetch(SecretRequest(path: SecretPath("k")))
        await backend.close()
        server.stop()
        #expect(version.payload == Secret(bytes: bytes))
    }

    @Test func anErrorCodeThatIsNotOneIsNeverEchoed() async throws {
        let canary = Canary.make()
        let server = try ScriptedHTTPServer { _ in
            ScriptedHTTPServer.ScriptedResponse(
                status: 400,
                headers: [.init("Content-Type", "application/x-amz-json-1.1")],
                body: Array(#"{"__type":"leak \#(canary) here","message":"m"}"#.utf8)
            )
        }
        let backend = try Self.backend(server)
        let error = await #expect(throws: BackendError.self) {
            _ = try await backend.fetch(SecretRequest(path: SecretPath("airflow/prod/db")))
        }
        await backend.close()
        server.stop()
        #expect(error?.code == .invalidRequest)
        Canary.assertAbsent(canary, in: [error?.description ?? "", String(reflecting: error)])
    }
}
