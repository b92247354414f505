import CfgAWSAuth
import CfgBackend
import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Synchronization
import Testing

@testable import CfgVault

/// A credential provider that always gives the same credentials, or the same failure, and counts its calls.
final class FixedAWSCredentials: AWSCredentialProvider {
    let result: Result<AWSCredentials, AWSCredentialError>
    private let count = Mutex(0)

    init(_ result: Result<AWSCredentials, AWSCredentialError>) {
        self.result = result
    }

    var calls: Int { count.withLock { $0 } }

    func credentials() async throws(AWSCredentialError) -> AWSCredentials {
        count.withLock { $0 += 1 }
        return try result.get()
    }
}

/// A login body taken apart: the top-level fields and the decoded request pieces.
struct DecodedAWSLogin {
    var fields: Set<String>
    var role: String?
    var method: String
    var url: String
    var body: String
    var headers: [String: [String]]

    init(_ secret: Secret) throws {
        let data = secret.withUnsafeBytes { Data($0) }
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        fields = Set(object.keys)
        role = object["role"] as? String
        method = try #require(object["iam_http_request_method"] as? String)
        func decoded(_ key: String) throws -> Data {
            let text = try #require(object[key] as? String, "\(key) is a string")
            return try #require(Data(base64Encoded: text), "\(key) is base64")
        }
        url = String(decoding: try decoded("iam_request_url"), as: UTF8.self)
        body = String(decoding: try decoded("iam_request_body"), as: UTF8.self)
        headers = try #require(
            try JSONSerialization.jsonObject(with: try decoded("iam_request_headers")) as? [String: [String]]
        )
    }

    /// The single value of a header (names compared case-insensitively).
    func header(_ name: String) -> String? {
        let values = headers.first { $0.key.lowercased() == name.lowercased() }?.value
        return values?.count == 1 ? values?.first : nil
    }

    /// `SignedHeaders=…` of the Authorization header.
    var signedHeaders: String? {
        header("Authorization")?.split(separator: " ").first { $0.hasPrefix("SignedHeaders=") }
            .map { String($0.dropFirst("SignedHeaders=".count).dropLast()) }
    }
}

@Suite struct VaultAWSLoginTests {
    /// 2026-01-15T12:00:00Z.
    static let date = Date(timeIntervalSince1970: 1_768_478_400)
    static let accessKey = "AKIDEXAMPLE"
    static let secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let sessionToken = "IQoJb3JpZ2luX2VjEXAMPLE/session+token=="

    static func credentials(token: String? = sessionToken) -> AWSCredentials {
        AWSCredentials(
            accessKeyID: accessKey,
            secretAccessKey: Secret(copying: secretKey),
            sessionToken: token.map { Secret(copying: $0) },
            source: "test"
        )
    }

    // MARK: - The login body

    @Test func globalLoginCarriesTheSignedRequestAndEveryHeaderVaultNeeds() throws {
        let login = VaultAWSLogin(mount: "aws", role: "airflow", region: nil, serverID: "vault.example.com")
        let decoded = try DecodedAWSLogin(try login.body(credentials: Self.credentials(), date: Self.date))
        #expect(
            decoded.fields == [
                "role", "iam_http_request_method", "iam_request_url", "iam_request_body", "iam_request_headers",
            ]
        )
        #expect(decoded.role == "airflow")
        #expect(decoded.method == "POST")
        #expect(decoded.url == "https://sts.amazonaws.com/")
        #expect(decoded.body == "Action=GetCallerIdentity&Version=2011-06-15")
        #expect(
            Set(decoded.headers.keys) == [
                "Content-Type", "X-Vault-AWS-IAM-Server-ID", "Host", "X-Amz-Date", "X-Amz-Security-Token",
                "Authorization",
            ]
        )
        #expect(decoded.header("Host") == "sts.amazonaws.com")
        #expect(decoded.header("Content-Type") == "application/x-www-form-urlencoded; charset=utf-8")
        #expect(decoded.header("X-Amz-Date") == "20260115T120000Z")
        #expect(decoded.header("X-Amz-Security-Token") == Self.sessionToken)
        #expect(decoded.header("X-Vault-AWS-IAM-Server-ID") == "vault.example.com")
        let authorization = try #require(decoded.header("Authorization"))
        #expect(
            authorization.hasPrefix(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260115/us-east-1/sts/aws4_request, "
                    + "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-vault-aws-iam-server-id, "
                    + "Signature="
            )
        )
        let signature = try #require(authorization.split(separator: "=").last)
        #expect(signature.count == 64 && signature.allSatisfy(\.isHexDigit))
    }

    @Test func withoutRoleServerIDOrSessionTokenThoseAreLeftOut() throws {
        let login = VaultAWSLogin(mount: "aws", role: nil, region: nil, serverID: nil)
        let decoded = try DecodedAWSLogin(try login.body(credentials: Self.credentials(token: nil), date: Self.date))
        #expect(!decoded.fields.contains("role"))
        #expect(Set(decoded.headers.keys) == ["Content-Type", "Host", "X-Amz-Date", "Authorization"])
        #expect(decoded.signedHeaders == "content-type;host;x-amz-date")
    }

    @Test(arguments: [
        ("eu-west-1", "sts.eu-west-1.amazonaws.com"), ("us-east-1", "sts.us-east-1.amazonaws.com"),
        ("cn-north-1", "sts.cn-north-1.amazonaws.com.cn"),
    ])
    func aConfiguredRegionSignsForItAndUsesItsRegionalEndpoint(region: String, host: String) throws {
        let login = VaultAWSLogin(mount: "aws", role: "airflow", region: region, serverID: nil)
        let decoded = try DecodedAWSLogin(try login.body(credentials: Self.credentials(), date: Self.date))
        #expect(decoded.url == "https://\(host)/")
        #expect(decoded.header("Host") == host)
        #expect(decoded.header("Authorization")?.contains("/20260115/\(region)/sts/aws4_request, ") == true)
        #expect(decoded.signedHeaders == "content-type;host;x-amz-date;x-amz-security-token")
    }

    @Test func theSignatureDependsOnTheClock() throws {
        let login = VaultAWSLogin(mount: "aws", role: nil, region: nil, serverID: nil)
        let first = try DecodedAWSLogin(try login.body(credentials: Self.credentials(), date: Self.date))
        let again = try DecodedAWSLogin(try login.body(credentials: Self.credentials(), date: Self.date))
        let later = try DecodedAWSLogin(
            try login.body(credentials: Self.credentials(), date: Self.date.addingTimeInterval(1))
        )
        #expect(first.header("Authorization") == again.header("Authorization"))
        #expect(first.header("Authorization") != later.header("Authorization"))
        #expect(later.header("X-Amz-Date") == "20260115T120001Z")
    }

    @Test func aSessionTokenThatIsNotTextIsRefusedWithoutShowingIt() throws {
        let credentials = AWSCredentials(
            accessKeyID: Self.accessKey,
            secretAccessKey: Secret(copying: Self.secretKey),
            sessionToken: Secret(bytes: [0x41, 0xFF, 0x42]),
            source: "test"
        )
        let login = VaultAWSLogin(mount: "aws-prod", role: nil, region: nil, serverID: nil)
        let error = #expect(throws: BackendError.self) { try login.body(credentials: credentials, date: Self.date) }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.description.contains("auth/aws-prod") == true)
    }

    // MARK: - botocore signs the same request the same way

    /// True when `CFG_REQUIRE_CHECKERS=1` (as `make test` sets): a missing python3 or botocore fails the test.
    static let checkerRequired = ProcessInfo.processInfo.environment["CFG_REQUIRE_CHECKERS"] == "1"

    static var script: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("dev/vault-aws-login-botocore.py")
    }

    struct CheckerUnavailable: Error {}

    /// Skips (or, when checkers are required, fails) because `reason`.
    static func unavailable(_ reason: String) throws -> Never {
        if checkerRequired {
            Issue.record("CFG_REQUIRE_CHECKERS=1 but \(reason)")
            throw CheckerUnavailable()
        }
        try Test.cancel("skipped: \(reason)")
    }

    /// What botocore computed.
    struct BotocoreSignature: Decodable {
        var authorization: String
        var xAmzDate: String
        var securityToken: String?
        var canonicalRequest: String
    }

    /// Runs the botocore script on the decoded login.
    static func botocore(_ login: DecodedAWSLogin, region: String, token: String?) throws -> BotocoreSignature {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard
            path.split(separator: ":").contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/python3") }
            )
        else { try unavailable("python3 is not on PATH") }
        let input: [String: Any] = [
            "accessKey": accessKey, "secretKey": secretKey, "token": token ?? NSNull(), "region": region,
            "epochSeconds": Int(date.timeIntervalSince1970), "method": login.method, "url": login.url,
            "body": login.body, "headers": login.headers,
        ]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        let standardInput = Pipe()
        let standardOutput = Pipe()
        let standardError = Pipe()
        process.standardInput = standardInput
        process.standardOutput = standardOutput
        process.standardError = standardError
        try process.run()
        standardInput.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: input))
        try standardInput.fileHandleForWriting.close()
        let output = standardOutput.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: standardError.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 3 { try unavailable(errors.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(process.terminationStatus == 0, "vault-aws-login-botocore.py failed: \(errors)")
        return try JSONDecoder().decode(BotocoreSignature.self, from: output)
    }

    @Test(
        arguments: [
            (nil, "vault.example.com", sessionToken), ("eu-central-1", nil, nil), ("us-west-2", "x", sessionToken),
        ] as [(String?, String?, String?)]
    )
    func botocoreComputesTheSameAuthorization(region: String?, serverID: String?, token: String?) throws {
        let login = VaultAWSLogin(mount: "aws", role: "airflow", region: region, serverID: serverID)
        let decoded = try DecodedAWSLogin(try login.body(credentials: Self.credentials(token: token), date: Self.date))
        let reference = try Self.botocore(decoded, region: region ?? "us-east-1", token: token)
        #expect(decoded.header("Authorization") == reference.authorization)
        #expect(decoded.header("X-Amz-Date") == reference.xAmzDate)
        #expect(decoded.header("X-Amz-Security-Token") == reference.securityToken)
    }

    // MARK: - Against a scripted Vault

    static let vaultToken = "hvs.token-from-aws-login"

    static let kvAnswer = """
        {"request_id":"r","lease_id":"","renewable":false,"lease_duration":0,"data":{"data":{"k":"v"},\
        "metadata":{"created_time":"2026-01-15T11:00:00.000000Z","custom_metadata":null,\
        "deletion_time":"","destroyed":false,"version":1}},"wrap_info":null,"warnings":null,"auth":null}
        """

    static let loginAnswer = """
        {"request_id":"l","lease_id":"","renewable":false,"lease_duration":0,"data":null,"wrap_info":null,\
        "warnings":null,"auth":{"client_token":"\(vaultToken)","accessor":"a","policies":["default"],\
        "token_policies":["default"],"lease_duration":3600,"renewable":true}}
        """

    /// A Vault that accepts any AWS login at `mount` (or refuses it with `loginStatus`) and serves one KV secret
    /// to the token it issued.
    static func vault(mount: String, loginStatus: Int = 200, loginError: String = "") throws -> ScriptedHTTPServer {
        try ScriptedHTTPServer { request in
            let path = request.path
            if path == "/v1/auth/\(mount)/login", request.method == "POST" {
                guard loginStatus == 200 else {
                    return .text("{\"errors\":[\"\(loginError)\"]}", status: loginStatus)
                }
                return .text(loginAnswer)
            }
            if path == "/v1/secret/data/airflow/db", request.header("X-Vault-Token") == vaultToken {
                return .text(kvAnswer)
            }
            if path == "/v1/auth/token/revoke-self" { return ScriptedHTTPServer.ScriptedResponse(status: 204) }
            return .text("{\"errors\":[\"permission denied\"]}", status: 403)
        }
    }

    /// A backend logging in with `auth` through `provider`, its clock fixed at ``date``.
    static func backend(
        _ server: ScriptedHTTPServer,
        auth: VaultAuth,
        provider: (any AWSCredentialProvider)?
    ) throws -> VaultBackend {
        let settings = VaultFixture.settings(address: server.baseURL, VaultSettings(maxRetries: 0, auth: auth))
        let curl = try CurlTransport(options: settings.http)
        return VaultBackend(
            settings: settings,
            transport: curl,
            processEnvironment: [:],
            awsCredentials: provider,
            now: { date },
            sleep: { _ in },
            releaseTransport: { curl.shutdown() }
        )
    }

    @Test(arguments: ["aws", "aws-prod"])
    func theBackendLogsInAtTheMountAndReadsWithTheIssuedToken(mount: String) async throws {
        let server = try Self.vault(mount: mount)
        defer { server.stop() }
        let provider = FixedAWSCredentials(.success(Self.credentials()))
        let backend = try Self.backend(
            server,
            auth: .aws(mount: mount, role: "airflow", region: nil, serverID: "vault.example.com"),
            provider: provider
        )
        let first = try await backend.fetch(SecretRequest(path: SecretPath("airflow/db")))
        let second = try await backend.fetch(SecretRequest(path: SecretPath("airflow/db")))
        #expect(first.payload == Secret(copying: "{\"k\":\"v\"}"))
        #expect(second.payload == first.payload)
        #expect(await backend.sessionStatistics.logins == 1)
        #expect(provider.calls == 1)
        await backend.close()

        let requests = server.requests
        #expect(
            requests.map(\.path) == [
                "/v1/auth/\(mount)/login", "/v1/secret/data/airflow/db", "/v1/secret/data/airflow/db",
                "/v1/auth/token/revoke-self",
            ]
        )
        let login = try #require(requests.first)
        #expect(login.header("X-Vault-Token") == nil)
        #expect(login.header("Content-Type") == "application/json")
        let decoded = try DecodedAWSLogin(Secret(bytes: login.body))
        #expect(decoded.role == "airflow")
        #expect(decoded.url == "https://sts.amazonaws.com/")
        #expect(decoded.header("X-Vault-AWS-IAM-Server-ID") == "vault.example.com")
        #expect(decoded.signedHeaders?.split(separator: ";").contains("x-vault-aws-iam-server-id") == true)
        #expect(decoded.header("X-Amz-Date") == "20260115T120000Z")
    }

    @Test func aRefusedLoginNamesTheMethodAndMountButNotVaultsAnswer() async throws {
        let server = try Self.vault(mount: "aws", loginStatus: 400, loginError: "entry for role BODY-MARKER not found")
        defer { server.stop() }
        let backend = try Self.backend(
            server,
            auth: .aws(mount: "aws", role: "BODY-MARKER", region: nil, serverID: nil),
            provider: FixedAWSCredentials(.success(Self.credentials()))
        )
        let error = await #expect(throws: BackendError.self) {
            try await backend.fetch(SecretRequest(path: SecretPath("airflow/db")))
        }
        await backend.close()
        #expect(error?.code == .authenticationFailed)
        let message = try #require(error?.description)
        #expect(message.contains("Vault aws login at auth/aws failed (HTTP 400)"))
        #expect(!message.contains("entry for role"))
        #expect(server.requests.map(\.path) == ["/v1/auth/aws/login"])
    }

    @Test func missingAWSCredentialsFailBeforeAnyRequest() async throws {
        let server = try Self.vault(mount: "aws")
        defer { server.stop() }
        let provider = FixedAWSCredentials(
            .failure(AWSCredentialError(.missing, "No AWS credentials found: set AWS_ACCESS_KEY_ID or AWS_PROFILE."))
        )
        let backend = try Self.backend(
            server,
            auth: .aws(mount: "aws-ci", role: nil, region: nil, serverID: nil),
            provider: provider
        )
        let error = await #expect(throws: BackendError.self) {
            try await backend.fetch(SecretRequest(path: SecretPath("airflow/db")))
        }
        await backend.close()
        #expect(error?.code == .authenticationFailed)
        #expect(
            error?.description
                == "Vault aws login at auth/aws-ci could not get AWS credentials: No AWS credentials found: set "
                + "AWS_ACCESS_KEY_ID or AWS_PROFILE."
        )
        #expect(server.requests.isEmpty)
    }

    @Test func anAWSLoginWithoutACredentialProviderSaysSo() async throws {
        let server = try Self.vault(mount: "aws")
        defer { server.stop() }
        let backend = try Self.backend(
            server,
            auth: .aws(mount: "aws", role: nil, region: nil, serverID: nil),
            provider: nil
        )
        let error = await #expect(throws: BackendError.self) {
            try await backend.fetch(SecretRequest(path: SecretPath("airflow/db")))
        }
        await backend.close()
        #expect(error?.code == .authenticationFailed)
        #expect(error?.description.contains("auth/aws") == true)
        #expect(error?.description.contains("AWS credential") == true)
        #expect(server.requests.isEmpty)
    }

    @Test func theSecretKeyAndSessionTokenNeverShowInErrorsOrDescriptions() async throws {
        let secretCanary = Canary.make()
        let tokenCanary = Canary.make()
        let credentials = AWSCredentials(
            accessKeyID: Self.accessKey,
            secretAccessKey: Secret(copying: secretCanary),
            sessionToken: Secret(copying: tokenCanary),
            source: "test"
        )
        let server = try Self.vault(mount: "aws", loginStatus: 403, loginError: "permission denied")
        defer { server.stop() }
        let backend = try Self.backend(
            server,
            auth: .aws(mount: "aws", role: "airflow", region: nil, serverID: "vault.example.com"),
            provider: FixedAWSCredentials(.success(credentials))
        )
        let error = await #expect(throws: BackendError.self) {
            try await backend.fetch(SecretRequest(path: SecretPath("airflow/db")))
        }
        await backend.close()
        #expect(error?.code == .authenticationFailed)

        // The token did travel, inside the login body.
        let sent = try DecodedAWSLogin(Secret(bytes: try #require(server.requests.first).body))
        #expect(sent.header("X-Amz-Security-Token") == tokenCanary)

        let login = VaultAWSLogin(mount: "aws", role: "airflow", region: nil, serverID: nil)
        let signed = login.signedRequest(credentials: credentials, date: Self.date)
        let body = try login.body(credentials: credentials, date: Self.date)
        var dumped = ""
        dump(credentials, to: &dumped)
        dump(signed, to: &dumped)
        dump(error as Any, to: &dumped)
        var texts = [
            error?.description ?? "", String(reflecting: error as Any), "\(error as Any)",
            String(describing: credentials),
            String(reflecting: credentials), String(describing: signed), String(reflecting: signed),
            signed.headers.map(\.description).joined(), String(describing: body), String(reflecting: body),
            String(describing: login), String(reflecting: backend.settings), dumped,
        ]
        texts.append(String(describing: AWSCredentialError(.rejected, "STS refused the credentials")))
        Canary.assertAbsent(secretCanary, in: texts)
        Canary.assertAbsent(tokenCanary, in: texts)
    }
}
