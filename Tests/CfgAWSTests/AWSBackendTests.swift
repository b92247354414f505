import CfgBackend
import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

@testable import CfgAWS

/// The fetch plan, ARNs and writes against moto's Secrets Manager.
@Suite struct AWSBackendTests {
    /// Creates `count` JSON secrets under a fresh prefix; returns their names and ARNs.
    static func seed(_ backend: AWSBackend, count: Int) async throws -> [(name: String, arn: String)] {
        let prefix = AWSFixture.unique("cfg-plan")
        var created: [(name: String, arn: String)] = []
        for index in 0..<count {
            let name = "\(prefix)/s\(index)"
            let payload = Secret(copying: #"{"username":"u\#(index)","password":"p@ss:/w%rd#\#(index)"}"#)
            _ = try await backend.store(payload, at: SecretPath(name), labels: [.current], expectedCurrent: "")
            let version = try await backend.fetch(SecretRequest(path: SecretPath(name)))
            created.append((name, try #require(version.deliveryReference).arn))
        }
        return created
    }

    @Test func createdSecretsCarryTheDescriptionKmsKeyAndTags() async throws {
        let (plain, _) = try AWSFixture.backend()
        let creation = SecretCreationOptions(
            secretDescription: "Managed by cfg (environment prod-aws)",
            kmsKeyID: "alias/cfg-test",
            tags: [.init("team", "data platform"), .init("cost-center", "4711")]
        )
        let backend = AWSBackend(client: plain.api.client, creation: creation)
        let name = AWSFixture.unique("cfg-create")
        _ = try await backend.store(
            Secret(copying: #"{"password":"p"}"#),
            at: SecretPath(name),
            labels: [.current],
            expectedCurrent: ""
        )
        // A later version keeps what the secret was created with.
        _ = try await backend.store(
            Secret(copying: #"{"password":"q"}"#),
            at: SecretPath(name),
            labels: [.current],
            expectedCurrent: nil
        )
        let described = try await backend.api.send(backend.api.simpleCall("DescribeSecret", name))
        #expect(described["Description"]?.text() == "Managed by cfg (environment prod-aws)")
        #expect(described["KmsKeyId"]?.text() == "alias/cfg-test")
        let tags = (described["Tags"]?.elements ?? []).compactMap { tag -> String? in
            guard let key = tag["Key"]?.text(), let value = tag["Value"]?.text() else { return nil }
            return "\(key)=\(value)"
        }
        #expect(tags.sorted() == ["cost-center=4711", "team=data platform"])

        // Without options, none of them is sent.
        let other = AWSFixture.unique("cfg-create")
        _ = try await plain.store(Secret(copying: "x"), at: SecretPath(other), labels: [.current], expectedCurrent: "")
        let bare = try await plain.api.send(plain.api.simpleCall("DescribeSecret", other))
        #expect(bare["Description"] == nil)
        #expect(bare["KmsKeyId"]?.isNull ?? true)
        #expect((bare["Tags"]?.elements ?? []).isEmpty)
        await plain.close()
    }

    @Test func distinctCurrentSecretsAreReadTwentyPerBatchCall() async throws {
        let (seeder, _) = try AWSFixture.backend()
        let secrets = try await Self.seed(seeder, count: 45)
        await seeder.close()

        let (backend, transport) = try AWSFixture.backend()
        // 45 distinct secrets, each asked for twice.
        let requests = secrets.flatMap {
            [SecretRequest(path: SecretPath($0.name)), SecretRequest(path: SecretPath($0.name))]
        }
        let results = await backend.fetch(requests)
        await backend.close()

        #expect(results.count == 45)
        #expect(transport.operations == Array(repeating: "BatchGetSecretValue", count: 3))
        for (index, secret) in secrets.enumerated() {
            let version = try #require(results[SecretRequest(path: SecretPath(secret.name))]).get()
            #expect(version.payload.stringValue()?.contains("\"u\(index)\"") == true)
            #expect(version.labels == [.current])
            #expect(version.deliveryReference == DeliveryReference(arn: secret.arn))
        }
    }

    @Test func theArnCarriesTheRandomSuffixAndNamesTheSecret() async throws {
        let (backend, _) = try AWSFixture.backend()
        let secret = try #require(try await Self.seed(backend, count: 1).first)
        await backend.close()
        // arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX
        let parts = secret.arn.split(separator: ":", omittingEmptySubsequences: false)
        #expect(parts.count == 7)
        #expect(parts.prefix(3) == ["arn", "aws", "secretsmanager"])
        #expect(parts[3] == "us-east-1")
        #expect(parts[5] == "secret")
        let last = String(parts[6])
        #expect(last.hasPrefix(secret.name + "-"))
        #expect(last.count == secret.name.count + 7)
    }

    @Test func pinnedVersionsUseGetSecretValueAndPinTheirReference() async throws {
        let (backend, transport) = try AWSFixture.backend()
        let path = SecretPath(AWSFixture.unique("cfg-pinned"))
        let first = try await backend.store(Secret(copying: "one"), at: path, labels: [.current], expectedCurrent: "")
        _ = try await backend.store(Secret(copying: "two"), at: path, labels: [.current], expectedCurrent: first)
        let before = transport.requests.count

        let previous = SecretRequest(path: path, version: .label(.previous))
        let byID = SecretRequest(path: path, version: .id(first))
        let results = await backend.fetch([previous, byID, SecretRequest(path: path)])
        await backend.close()

        let sent = Array(transport.operations.dropFirst(before))
        #expect(sent.sorted() == ["GetSecretValue", "GetSecretValue", "GetSecretValue"])
        let arn = try #require(try results[SecretRequest(path: path)]?.get().deliveryReference?.arn)
        let previousVersion = try #require(results[previous]).get()
        #expect(previousVersion.payload == Secret(copying: "one"))
        #expect(previousVersion.deliveryReference?.valueFrom() == "\(arn)::AWSPREVIOUS:")
        #expect(previousVersion.deliveryReference?.valueFrom(jsonKey: "password") == "\(arn):password:AWSPREVIOUS:")
        let pinned = try #require(results[byID]).get()
        #expect(pinned.deliveryReference?.valueFrom() == "\(arn):::\(first)")
        #expect(try results[SecretRequest(path: path)]?.get().payload == Secret(copying: "two"))
    }

    @Test func aSecretIsReadByItsFullArnToo() async throws {
        let (backend, _) = try AWSFixture.backend()
        let secret = try #require(try await Self.seed(backend, count: 1).first)
        let version = try await backend.fetch(SecretRequest(path: SecretPath(secret.arn)))
        let batch = await backend.fetch([
            SecretRequest(path: SecretPath(secret.arn)), SecretRequest(path: SecretPath(secret.name)),
        ])
        await backend.close()
        #expect(version.payload.stringValue()?.contains("\"u0\"") == true)
        #expect(try batch[SecretRequest(path: SecretPath(secret.arn))]?.get().deliveryReference?.arn == secret.arn)
        #expect(try batch[SecretRequest(path: SecretPath(secret.name))]?.get().deliveryReference?.arn == secret.arn)
    }

    @Test func batchErrorsAreReportedPerSecret() async throws {
        let (backend, transport) = try AWSFixture.backend()
        let secrets = try await Self.seed(backend, count: 2)
        let missing = SecretPath(AWSFixture.unique("cfg-plan") + "/missing")
        let before = transport.requests.count
        let results = await backend.fetch(
            secrets.map { SecretRequest(path: SecretPath($0.name)) } + [SecretRequest(path: missing)]
        )
        await backend.close()
        #expect(Array(transport.operations.dropFirst(before)) == ["BatchGetSecretValue"])
        #expect(results.count == 3)
        let failure = try #require(results[SecretRequest(path: missing)])
        guard case .failure(let error) = failure else {
            Issue.record("a missing secret must fail")
            return
        }
        #expect(error.code == .notFound)
        #expect(error.description.contains(missing.rawValue))
        for secret in secrets {
            #expect(throws: Never.self) { try results[SecretRequest(path: SecretPath(secret.name))]?.get() }
        }
    }

    @Test func dynamicSecretsAreUnsupported() async throws {
        let (backend, transport) = try AWSFixture.backend()
        await #expect(throws: BackendError(.unsupported, backend: "aws", message: "")) {
            _ = try await backend.fetch(SecretRequest(path: SecretPath("database/creds/airflow"), dynamic: true))
        }
        await backend.close()
        #expect(transport.requests.isEmpty)
    }

    @Test func requestsAreSignedForSecretsManagerInTheRegion() async throws {
        let (backend, transport) = try AWSFixture.backend(
            region: "eu-west-3",
            credentials: FixedCredentials(sessionToken: "cfg-session-token")
        )
        _ = try? await backend.fetch(SecretRequest(path: SecretPath(AWSFixture.unique("cfg-signed"))))
        await backend.close()
        let request = try #require(transport.requests.first)
        func header(_ name: String) -> String? {
            request.headers.first { $0.name.lowercased() == name }?.value.stringValue()
        }
        let authorization = try #require(header("authorization"))
        let day = try #require(header("x-amz-date")).prefix(8)
        #expect(
            authorization.hasPrefix(
                "AWS4-HMAC-SHA256 Credential=AKIDCFGTEST/\(day)/eu-west-3/secretsmanager/aws4_request, "
            )
        )
        #expect(
            authorization.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, ")
        )
        #expect(header("x-amz-target") == "secretsmanager.GetSecretValue")
        #expect(header("content-type") == "application/x-amz-json-1.1")
        #expect(header("x-amz-security-token") == "cfg-session-token")
        #expect(request.method == .post)
    }

    @Test func metadataComesFromDescribeAndListVersions() async throws {
        let (backend, transport) = try AWSFixture.backend()
        let path = SecretPath(AWSFixture.unique("cfg-meta"))
        let first = try await backend.store(Secret(copying: "1"), at: path, labels: [.current], expectedCurrent: "")
        let second = try await backend.store(Secret(copying: "2"), at: path, labels: [.pending], expectedCurrent: first)
        let before = transport.requests.count
        let metadata = try await backend.fetchMetadata(path)
        await backend.close()
        #expect(Array(transport.operations.dropFirst(before)) == ["DescribeSecret", "ListSecretVersionIds"])
        #expect(metadata.version(labelled: .current)?.versionID == first)
        #expect(metadata.version(labelled: .pending)?.versionID == second)
    }
}
