import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

@testable import CfgAWSAuth

/// IAM Identity Center profiles against a scripted portal on 127.0.0.1: the cached token `aws sso login` wrote,
/// `GetRoleCredentials`, and what a user is told when the sign-in is missing or over.
@Suite struct SSOCredentialTests {
    /// The cached access token; it must never reach an error or a description.
    static let token = "CANARY-sso-token-41d9"
    static let startURL = "https://d-abc123.awsapps.com/start"

    /// A `GetRoleCredentials` answer.
    static func roleCredentials(secret: String = "sso-secret") -> ScriptedHTTPServer.ScriptedResponse {
        let json = """
            {"roleCredentials": {"accessKeyId": "ASIASSO", "secretAccessKey": "\(secret)", \
            "sessionToken": "sso-session-token", "expiration": 1893456000000}}
            """
        return ScriptedHTTPServer.ScriptedResponse(
            status: 200,
            headers: [ScriptedHTTPServer.HeaderField("Content-Type", "application/json")],
            body: Array(json.utf8)
        )
    }

    /// Writes the token cache file `aws sso login` would write for `key` (a session name or start URL).
    private func cacheToken(_ home: CredentialHome, key: String, expiresAt: String = "2030-01-01T00:00:00Z") throws {
        try FileManager.default.createDirectory(
            atPath: home.path + "/.aws/sso/cache",
            withIntermediateDirectories: true
        )
        try home.write(
            ".aws/sso/cache/\(SHA1.hexDigest(key)).json",
            """
            {"startUrl": "\(Self.startURL)", "region": "eu-west-1", "accessToken": "\(Self.token)", \
            "expiresAt": "\(expiresAt)", "refreshToken": "r", "clientId": "c", "clientSecret": "s"}
            """
        )
    }

    private static let sessionConfig = """
        [profile dev]
        sso_session = corp
        sso_account_id = 123456789012
        sso_role_name = AirflowDeployer
        region = eu-west-1
        [sso-session corp]
        sso_start_url = \(startURL)
        sso_region = eu-west-1
        sso_registration_scopes = sso:account:access

        """

    private static let legacyConfig = """
        [profile dev]
        sso_start_url = \(startURL)
        sso_region = eu-west-1
        sso_account_id = 123456789012
        sso_role_name = AirflowDeployer

        """

    private func chain(
        _ home: CredentialHome,
        server: ScriptedHTTPServer,
        clock: CredentialClock = CredentialClock(),
        transport: CurlTransport
    ) throws -> any AWSCredentialProvider {
        var settings = try home.settings(home.processEnvironment, profileVariable: "dev")
        settings.ssoEndpoint = server.baseURL
        return AWSCredentialChain.make(
            settings: settings,
            processEnvironment: home.processEnvironment,
            transport: transport,
            now: clock.now
        )
    }

    @Test(arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        // botocore's own test of the token cache key (tests/unit/test_utils.py).
        (startURL, "40a89917e3175433e361b710a9d43528d7f1890a"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        ),
    ])
    func sha1NamesTheTokenFile(input: String, digest: String) {
        #expect(SHA1.hexDigest(input) == digest)
    }

    @Test(arguments: [(sessionConfig, "corp"), (legacyConfig, startURL)])
    func theCachedTokenBuysRoleCredentials(config: String, cacheKey: String) async throws {
        try await CredentialHome.with { home in
            try home.writeConfig(config)
            try cacheToken(home, key: cacheKey)
            let server = try ScriptedHTTPServer { _ in Self.roleCredentials() }
            defer { server.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let credentials = try await chain(home, server: server, transport: transport).credentials()
            #expect(credentials.accessKeyID == "ASIASSO")
            #expect(credentials.secretAccessKey == Secret(copying: "sso-secret"))
            #expect(credentials.sessionToken == Secret(copying: "sso-session-token"))
            #expect(credentials.expiration == Date(timeIntervalSince1970: 1_893_456_000))
            #expect(credentials.source == "profile 'dev' (IAM Identity Center)")
            let request = try #require(server.requests.first)
            #expect(request.method == "GET")
            #expect(request.path == "/federation/credentials?account_id=123456789012&role_name=AirflowDeployer")
            #expect(request.header("x-amz-sso_bearer_token") == Self.token)
            #expect(request.header("Authorization") == nil)
        }
    }

    @Test func roleCredentialsAreCachedUntilShortlyBeforeTheyExpire() async throws {
        try await CredentialHome.with { home in
            try home.writeConfig(Self.sessionConfig)
            try cacheToken(home, key: "corp")
            let server = try ScriptedHTTPServer { _ in Self.roleCredentials() }
            defer { server.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let clock = CredentialClock(Date(timeIntervalSince1970: 1_893_456_000 - 3600))
            let provider = try chain(home, server: server, clock: clock, transport: transport)
            _ = try await provider.credentials()
            _ = try await provider.credentials()
            #expect(server.requests.count == 1)
            clock.advance(3600 - 4 * 60)
            _ = try await provider.credentials()
            #expect(server.requests.count == 2)
        }
    }

    @Test(arguments: [(sessionConfig, true), (legacyConfig, false)])
    func noCachedSignInSaysToRunAwsSSOLogin(config: String, session: Bool) async throws {
        try await CredentialHome.with { home in
            try home.writeConfig(config)
            let server = try ScriptedHTTPServer { _ in Self.roleCredentials() }
            defer { server.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let provider = try chain(home, server: server, transport: transport)
            let error = try #require(await CredentialFixture.error(provider))
            #expect(error.code == .configuration)
            #expect(error.message.contains("there is no cached sign-in"), "\(error.message)")
            #expect(error.message.contains("`aws sso login --profile dev`"), "\(error.message)")
            #expect(error.message.contains("`aws sso login --sso-session corp`") == session, "\(error.message)")
            #expect(server.requests.isEmpty)
        }
    }

    @Test func anExpiredSignInIsNotSent() async throws {
        try await CredentialHome.with { home in
            try home.writeConfig(Self.sessionConfig)
            try cacheToken(home, key: "corp", expiresAt: "2020-01-01T00:00:00Z")
            let server = try ScriptedHTTPServer { _ in Self.roleCredentials() }
            defer { server.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let provider = try chain(home, server: server, transport: transport)
            let error = try #require(await CredentialFixture.error(provider))
            #expect(error.code == .rejected)
            #expect(error.message.contains("expired at 2020-01-01T00:00:00Z"), "\(error.message)")
            #expect(error.message.contains("aws sso login --profile dev"), "\(error.message)")
            #expect(server.requests.isEmpty)
        }
    }

    @Test(arguments: [
        (401, "UnauthorizedException", "expired or was revoked; run `aws sso login --profile dev`"),
        (403, "ForbiddenException", "the role 'AirflowDeployer' in account 123456789012 (HTTP 403, Forbidden"),
        (404, "ResourceNotFoundException", "(HTTP 404, ResourceNotFoundException)"),
    ])
    func refusalsSayWhatToDoAndNeverEchoTheToken(status: Int, type: String, fragment: String) async throws {
        try await CredentialHome.with { home in
            try home.writeConfig(Self.sessionConfig)
            try cacheToken(home, key: "corp")
            let server = try ScriptedHTTPServer { _ in
                ScriptedHTTPServer.ScriptedResponse(
                    status: status,
                    headers: [
                        ScriptedHTTPServer.HeaderField("x-amzn-ErrorType", "\(type):http://internal.amazon.com/")
                    ],
                    body: Array("{\"message\": \"bad token \(Self.token)\"}".utf8)
                )
            }
            defer { server.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let provider = try chain(home, server: server, transport: transport)
            let error = try #require(await CredentialFixture.error(provider))
            #expect(error.code == .rejected)
            #expect(error.message.contains(fragment), "\(error.message)")
            #expect(!error.message.contains(Self.token))
        }
    }

    @Test func serverErrorsAreTriedThreeTimes() async throws {
        try await CredentialHome.with { home in
            try home.writeConfig(Self.legacyConfig)
            try cacheToken(home, key: Self.startURL)
            let server = try ScriptedHTTPServer { _ in .text("{\"message\": \"\(Self.token)\"}", status: 503) }
            defer { server.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let settings = try home.settings(home.processEnvironment, profileVariable: "dev")
            let profiles = ProfileCredentials(
                config: settings.sharedConfig,
                processEnvironment: home.processEnvironment,
                sts: STSClient(endpoint: "http://127.0.0.1:9", region: "us-east-1", transport: transport),
                transport: transport,
                now: { Date(timeIntervalSince1970: 1_800_000_000) },
                containerHost: "127.0.0.1:9",
                ssoEndpoint: server.baseURL
            )
            let profile = try #require(settings.sharedConfig.profiles["dev"])
            var provider = try #require(try profiles.ssoProvider(profile))
            provider.retryDelay = .zero
            let error = try #require(await CredentialFixture.error(provider))
            #expect(error.code == .unreachable)
            #expect(error.message.contains("HTTP 503"), "\(error.message)")
            #expect(!error.message.contains(Self.token))
            #expect(server.requests.count == 3)
            #expect(!String(describing: provider).contains(Self.token))
            #expect(!String(reflecting: provider).contains(Self.token))
        }
    }
}
