import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

@testable import CfgAWSAuth

/// The 64 KiB limit on answers from STS, the container credentials endpoint and instance metadata: an answer
/// exactly at it is read, one a byte past it is refused without echoing it (or the container URI's path).
@Suite struct CredentialResponseLimitTests {
    /// `response` with its body padded with trailing spaces (valid in JSON and after the XML element) to `size`.
    static func padded(
        _ response: ScriptedHTTPServer.ScriptedResponse,
        to size: Int
    )
        -> ScriptedHTTPServer
        .ScriptedResponse
    {
        var response = response
        response.body += Array(repeating: UInt8(ascii: " "), count: size - response.body.count)
        return response
    }

    @Test func theLimitIsSixtyFourKibibytesForEveryCredentialSource() {
        #expect(STSClient.maxResponseBytes == 64 << 10)
        #expect(ContainerCredentialProvider.maxResponseBytes == 64 << 10)
        #expect(InstanceMetadataCredentialProvider.maxResponseBytes == 64 << 10)
    }

    /// The container provider's outcome against an answer of `size` bytes, and how many requests it made.
    private func containerCredentials(
        size: Int,
        secret: String
    ) async throws -> (result: Result<AWSCredentials, AWSCredentialError>, requests: Int) {
        let server = try ScriptedHTTPServer { _ in
            Self.padded(CredentialFixture.credentialJSON(secret: secret), to: size)
        }
        defer { server.stop() }
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        var provider = try #require(
            try ContainerCredentialProvider.fromEnvironment(
                ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/PATH-CANARY"],
                transport: transport,
                containerHost: "127.0.0.1:\(server.port)"
            )
        )
        provider.retryDelay = .zero
        do {
            let credentials = try await provider.credentials()
            return (.success(credentials), server.requests.count)
        } catch {
            return (.failure(error), server.requests.count)
        }
    }

    @Test func containerCredentialsExactlyAtTheLimitAreRead() async throws {
        let credentials = try await containerCredentials(size: 64 << 10, secret: "container-secret").result.get()
        #expect(credentials.secretAccessKey == Secret(copying: "container-secret"))
    }

    @Test func containerCredentialsOneBytePastTheLimitAreRefused() async throws {
        let canary = Canary.make()
        let (result, requests) = try await containerCredentials(size: (64 << 10) + 1, secret: canary)
        #expect(requests == 1, "an answer that is too large is not retried")
        guard case .failure(let error) = result else {
            Issue.record("credentials were read from an answer past the limit")
            return
        }
        #expect(error.code == .unreachable)
        #expect(error.description.contains("sent too large an answer"), "\(error.description)")
        #expect(error.description.contains("more than 64 KiB"), "\(error.description)")
        Canary.assertAbsent(canary, in: [error.description, String(reflecting: error)])
        Canary.assertAbsent("PATH-CANARY", in: [error.description, String(reflecting: error)])
    }

    private func assumeRole(size: Int, secret: String) async throws -> Result<AWSCredentials, AWSCredentialError> {
        let server = try ScriptedHTTPServer { _ in Self.padded(CredentialFixture.stsSuccess(secret: secret), to: size) }
        defer { server.stop() }
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        let client = STSClient(
            endpoint: server.baseURL,
            region: "eu-west-1",
            transport: transport,
            timeout: .seconds(5),
            retryDelay: .zero
        )
        let source = AWSCredentials(
            accessKeyID: "AKIASOURCE",
            secretAccessKey: Secret(copying: "source-secret"),
            source: "the test"
        )
        do {
            return .success(
                try await client.assumeRole(
                    roleARN: CredentialFixture.roleARN,
                    externalID: nil,
                    durationSeconds: 3600,
                    credentials: source,
                    source: "profile 'prod'"
                )
            )
        } catch {
            return .failure(error)
        }
    }

    @Test func anSTSAnswerExactlyAtTheLimitIsRead() async throws {
        let credentials = try await assumeRole(size: 64 << 10, secret: "sts-secret").get()
        #expect(credentials.secretAccessKey == Secret(copying: "sts-secret"))
    }

    @Test func anSTSAnswerOneBytePastTheLimitIsRefused() async throws {
        let canary = Canary.make()
        let result = try await assumeRole(size: (64 << 10) + 1, secret: canary)
        guard case .failure(let error) = result else {
            Issue.record("credentials were read from an answer past the limit")
            return
        }
        #expect(error.description.contains("sent too large an answer to the AssumeRole call"), "\(error.description)")
        #expect(error.description.contains("more than 64 KiB"), "\(error.description)")
        Canary.assertAbsent(canary, in: [error.description, String(reflecting: error)])
    }

    private func instanceMetadata(
        size: Int,
        secret: String
    ) async throws -> Result<
        AWSCredentials, AWSCredentialError
    > {
        let server = try ScriptedHTTPServer { request in
            switch (request.method, request.path) {
            case ("PUT", "/latest/api/token"): .text("token-1")
            case ("GET", "/latest/meta-data/iam/security-credentials/"): .text("airflow-role\n")
            case ("GET", "/latest/meta-data/iam/security-credentials/airflow-role"):
                Self.padded(
                    CredentialFixture.credentialJSON(keyID: "ASIAIMDS", secret: secret, code: "Success"),
                    to: size
                )
            default: ScriptedHTTPServer.ScriptedResponse(status: 404)
            }
        }
        defer { server.stop() }
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        let provider = try #require(
            try InstanceMetadataCredentialProvider.fromEnvironment(
                ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL],
                transport: transport
            )
        )
        do {
            return .success(try await provider.credentials())
        } catch {
            return .failure(error)
        }
    }

    @Test func instanceMetadataCredentialsExactlyAtTheLimitAreRead() async throws {
        let credentials = try await instanceMetadata(size: 64 << 10, secret: "imds-secret").get()
        #expect(credentials.secretAccessKey == Secret(copying: "imds-secret"))
    }

    @Test func instanceMetadataCredentialsOneBytePastTheLimitAreRefused() async throws {
        let canary = Canary.make()
        let result = try await instanceMetadata(size: (64 << 10) + 1, secret: canary)
        guard case .failure(let error) = result else {
            Issue.record("credentials were read from an answer past the limit")
            return
        }
        #expect(error.description.contains("more than 64 KiB"), "\(error.description)")
        Canary.assertAbsent(canary, in: [error.description, String(reflecting: error)])
    }
}
