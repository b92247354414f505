import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Synchronization
import Testing

@testable import CfgAWSAuth

@Suite struct CredentialEnvironmentTests {
    @Test func keysTokenAndExpiry() throws {
        let credentials = try #require(
            try EnvironmentCredentials.load([
                "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token",
                "AWS_CREDENTIAL_EXPIRATION": "2030-01-01T00:00:00Z",
            ])
        )
        #expect(credentials.accessKeyID == "AKIAENV")
        #expect(credentials.secretAccessKey == Secret(copying: "env-secret"))
        #expect(credentials.sessionToken == Secret(copying: "env-token"))
        #expect(credentials.expiration == Date(timeIntervalSince1970: 1_893_456_000))
        #expect(credentials.source == "environment variables")
    }

    @Test func legacySecurityTokenAndNothingSet() throws {
        let credentials = try #require(
            try EnvironmentCredentials.load([
                "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SECURITY_TOKEN": "legacy",
            ])
        )
        #expect(credentials.sessionToken == Secret(copying: "legacy"))
        #expect(credentials.expiration == nil)
        #expect(try EnvironmentCredentials.load([:]) == nil)
        #expect(try EnvironmentCredentials.load(["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""]) == nil)
    }

    @Test(arguments: [
        (["AWS_ACCESS_KEY_ID": "AKIA"], "AWS_SECRET_ACCESS_KEY is not"),
        (["AWS_SECRET_ACCESS_KEY": "s"], "AWS_ACCESS_KEY_ID is not"),
        (
            ["AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s", "AWS_CREDENTIAL_EXPIRATION": "soon"],
            "AWS_CREDENTIAL_EXPIRATION"
        ),
    ])
    func partialVariablesNameWhatIsMissing(processEnvironment: [String: String], fragment: String) {
        do throws(AWSCredentialError) {
            _ = try EnvironmentCredentials.load(processEnvironment)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .configuration)
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }
}

@Suite struct CredentialContainerTests {
    private func provider(
        _ processEnvironment: [String: String],
        server: ScriptedHTTPServer,
        transport: any HTTPTransport
    ) throws -> ContainerCredentialProvider {
        var provider = try #require(
            try ContainerCredentialProvider.fromEnvironment(
                processEnvironment,
                transport: transport,
                containerHost: "127.0.0.1:\(server.port)"
            )
        )
        provider.retryDelay = .zero
        return provider
    }

    @Test func relativeURIOnTheContainerHost() async throws {
        let server = try ScriptedHTTPServer { _ in CredentialFixture.credentialJSON() }
        defer { server.stop() }
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        let container = try provider(
            ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc-123"],
            server: server,
            transport: transport
        )
        let credentials = try await container.credentials()
        #expect(credentials.accessKeyID == "ASIACONTAINER")
        #expect(credentials.secretAccessKey == Secret(copying: "container-secret"))
        #expect(credentials.sessionToken == Secret(copying: "container-token"))
        #expect(credentials.expiration == Date(timeIntervalSince1970: 1_893_456_000))
        let request = try #require(server.requests.first)
        #expect(request.method == "GET")
        #expect(request.path == "/v2/credentials/abc-123")
        #expect(request.header("Accept") == "application/json")
        #expect(request.header("Authorization") == nil)
        #expect(!String(describing: container).contains("abc-123"))
    }

    @Test func relativeURIWinsOverFullURI() throws {
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        let container = try #require(
            try ContainerCredentialProvider.fromEnvironment(
                [
                    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/x",
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://evil.example/creds",
                ],
                transport: transport
            )
        )
        #expect(container.url == "http://169.254.170.2/v2/x")
    }

    @Test func fullURIWithTokenVariable() async throws {
        let server = try ScriptedHTTPServer { _ in CredentialFixture.credentialJSON() }
        defer { server.stop() }
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        let container = try provider(
            [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.baseURL)/v1/credentials",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Basic variable-token",
            ],
            server: server,
            transport: transport
        )
        _ = try await container.credentials()
        let request = try #require(server.requests.first)
        #expect(request.path == "/v1/credentials")
        #expect(request.header("Authorization") == "Basic variable-token")
    }

    @Test func tokenFileWinsAndIsReadOnEveryFetch() async throws {
        try await CredentialHome.with { home in
            let server = try ScriptedHTTPServer { _ in CredentialFixture.credentialJSON() }
            defer { server.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let tokenFile = try home.write("pod-identity-token", "file-token-1\n")
            let container = try provider(
                [
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://localhost:\(server.port)/v1/credentials",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "variable-token",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
                ],
                server: server,
                transport: transport
            )
            _ = try await container.credentials()
            try home.write("pod-identity-token", "file-token-2")
            _ = try await container.credentials()
            #expect(server.requests.map { $0.header("Authorization") } == ["file-token-1", "file-token-2"])
        }
    }

    @Test func tokensWithLineBreaksAreRefusedBeforeAnyRequest() async throws {
        try await CredentialHome.with { home in
            let server = try ScriptedHTTPServer { _ in CredentialFixture.credentialJSON() }
            defer { server.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let uri = "\(server.baseURL)/v1/credentials"
            do throws(AWSCredentialError) {
                _ = try ContainerCredentialProvider.fromEnvironment(
                    [
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI": uri,
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN": "abc\r\nX-Injected: 1",
                    ],
                    transport: transport
                )
                Issue.record("expected an error")
            } catch {
                #expect(error.code == .configuration)
                #expect(error.message.contains("AWS_CONTAINER_AUTHORIZATION_TOKEN"))
                #expect(!error.message.contains("X-Injected"))
            }
            let tokenFile = try home.write("token", "abc\nX-Injected: 1\n")
            let container = try provider(
                ["AWS_CONTAINER_CREDENTIALS_FULL_URI": uri, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile],
                server: server,
                transport: transport
            )
            let error = try #require(await CredentialFixture.error(container))
            #expect(error.code == .configuration)
            #expect(error.message.contains(tokenFile))
            #expect(server.requests.isEmpty)
        }
    }

    @Test(arguments: [
        "http://example.com/creds", "http://10.0.0.1/creds", "http://169.254.169.254/latest", "ftp://127.0.0.1/x",
        "http://127.0.0.1.evil.example/x",
    ])
    func disallowedFullURIsAreRefused(uri: String) throws {
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        do throws(AWSCredentialError) {
            _ = try ContainerCredentialProvider.fromEnvironment(
                ["AWS_CONTAINER_CREDENTIALS_FULL_URI": uri],
                transport: transport
            )
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .configuration)
            #expect(error.message.contains("AWS_CONTAINER_CREDENTIALS_FULL_URI"))
        }
    }

    @Test(arguments: [
        "https://creds.example/v1", "http://127.0.0.2:8080/x", "http://[::1]/x", "http://localhost/x",
        "http://169.254.170.2/v2/x", "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/v1/credentials",
    ])
    func allowedFullURIsAreAccepted(uri: String) throws {
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        let container = try ContainerCredentialProvider.fromEnvironment(
            ["AWS_CONTAINER_CREDENTIALS_FULL_URI": uri],
            transport: transport
        )
        #expect(container?.url == uri)
    }

    @Test func relativeURIMustBeAPath() throws {
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        let error = #expect(throws: AWSCredentialError.self) {
            _ = try ContainerCredentialProvider.fromEnvironment(
                ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "@evil.example/x"],
                transport: transport
            )
        }
        #expect(error?.code == .configuration)
    }

    @Test func errorDocumentGivesTheCodeOnly() async throws {
        let server = try ScriptedHTTPServer { _ in
            ScriptedHTTPServer.ScriptedResponse(
                status: 403,
                body: Array(#"{"code":"AccessDeniedException","message":"token abc.def is not valid"}"#.utf8)
            )
        }
        defer { server.stop() }
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        let container = try provider(
            ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"],
            server: server,
            transport: transport
        )
        let error = try #require(await CredentialFixture.error(container))
        #expect(error.code == .rejected)
        #expect(error.message.contains("AccessDeniedException"))
        #expect(error.message.contains("HTTP 403"))
        #expect(!error.message.contains("abc.def"))
        #expect(server.requests.count == 1)
    }

    @Test func serverErrorsAreTriedThreeTimes() async throws {
        let server = try ScriptedHTTPServer { _ in ScriptedHTTPServer.ScriptedResponse(status: 503) }
        defer { server.stop() }
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        let container = try provider(
            ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"],
            server: server,
            transport: transport
        )
        let error = try #require(await CredentialFixture.error(container))
        #expect(error.code == .unreachable)
        #expect(error.message.contains("http://127.0.0.1:\(server.port)"))
        #expect(server.requests.count == 3)
    }

    @Test func documentWithoutKeysIsMalformed() async throws {
        let server = try ScriptedHTTPServer { _ in .text(#"{"AccessKeyId":"A"}"#) }
        defer { server.stop() }
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        let container = try provider(
            ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/x"],
            server: server,
            transport: transport
        )
        let error = try #require(await CredentialFixture.error(container))
        #expect(error.code == .malformed)
    }
}

@Suite struct CredentialInstanceMetadataTests {
    /// An IMDSv2 stand-in: hands out `token-N` on PUT and requires the latest token on GETs.
    final class MetadataServer: Sendable {
        struct State {
            var tokens = 0
            /// Answer the next GETs with 401 this many times.
            var unauthorized = 0
            var role: String? = "airflow-role"
            var code = "Success"
        }

        /// The scripted state, shared with the server's handler.
        final class Shared: Sendable {
            let lock = Mutex(State())
        }

        let shared: Shared
        let server: ScriptedHTTPServer

        init() throws {
            let shared = Shared()
            self.shared = shared
            server = try ScriptedHTTPServer { request in
                shared.lock.withLock { state in
                    if request.method == "PUT", request.path == "/latest/api/token" {
                        state.tokens += 1
                        return .text("token-\(state.tokens)")
                    }
                    guard request.header("X-aws-ec2-metadata-token") == "token-\(state.tokens)" else {
                        return ScriptedHTTPServer.ScriptedResponse(status: 401)
                    }
                    if state.unauthorized > 0 {
                        state.unauthorized -= 1
                        return ScriptedHTTPServer.ScriptedResponse(status: 401)
                    }
                    switch request.path {
                    case "/latest/meta-data/iam/security-credentials/":
                        guard let role = state.role else { return ScriptedHTTPServer.ScriptedResponse(status: 404) }
                        return .text(role + "\n")
                    case "/latest/meta-data/iam/security-credentials/airflow-role":
                        return CredentialFixture.credentialJSON(keyID: "ASIAIMDS", code: state.code)
                    default:
                        return ScriptedHTTPServer.ScriptedResponse(status: 404)
                    }
                }
            }
        }

        var processEnvironment: [String: String] { ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL] }
    }

    @Test func tokenThenRoleThenCredentials() async throws {
        let metadata = try MetadataServer()
        defer { metadata.server.stop() }
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        let provider = try #require(
            try InstanceMetadataCredentialProvider.fromEnvironment(metadata.processEnvironment, transport: transport)
        )
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyID == "ASIAIMDS")
        #expect(credentials.secretAccessKey == Secret(copying: "container-secret"))
        #expect(credentials.expiration == Date(timeIntervalSince1970: 1_893_456_000))
        #expect(credentials.source == "instance metadata (role airflow-role)")
        let requests = metadata.server.requests
        #expect(
            requests.map { "\($0.method) \($0.path)" } == [
                "PUT /latest/api/token",
                "GET /latest/meta-data/iam/security-credentials/",
                "GET /latest/meta-data/iam/security-credentials/airflow-role",
            ]
        )
        #expect(requests[0].header("X-aws-ec2-metadata-token-ttl-seconds") == "21600")
        #expect(requests[0].header("X-aws-ec2-metadata-token") == nil)
        #expect(requests[1...].allSatisfy { $0.header("X-aws-ec2-metadata-token") == "token-1" })

        // The session token is reused for the next fetch.
        _ = try await provider.credentials()
        #expect(metadata.server.requests.filter { $0.method == "PUT" }.count == 1)
    }

    @Test func unauthorizedGetFetchesANewTokenOnce() async throws {
        let metadata = try MetadataServer()
        defer { metadata.server.stop() }
        metadata.shared.lock.withLock { $0.unauthorized = 1 }
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        let provider = try #require(
            try InstanceMetadataCredentialProvider.fromEnvironment(metadata.processEnvironment, transport: transport)
        )
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyID == "ASIAIMDS")
        let requests = metadata.server.requests
        #expect(requests.filter { $0.method == "PUT" }.count == 2)
        #expect(requests.last?.header("X-aws-ec2-metadata-token") == "token-2")

        // Refused again after the new token: the error stands, with no third token.
        metadata.shared.lock.withLock { $0.unauthorized = 2 }
        let error = try #require(await CredentialFixture.error(provider))
        #expect(error.code == .rejected)
        #expect(error.message.contains("HTTP 401"))
        #expect(metadata.server.requests.filter { $0.method == "PUT" }.count == 3)
    }

    @Test func failureCodeIsRejected() async throws {
        let metadata = try MetadataServer()
        defer { metadata.server.stop() }
        metadata.shared.lock.withLock { $0.code = "AssumeRoleUnauthorizedAccess" }
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        let provider = try #require(
            try InstanceMetadataCredentialProvider.fromEnvironment(metadata.processEnvironment, transport: transport)
        )
        let error = try #require(await CredentialFixture.error(provider))
        #expect(error.code == .rejected)
        #expect(error.message.contains("AssumeRoleUnauthorizedAccess"))
        #expect(!error.message.contains("container-secret"))
    }

    @Test func disabledMeansNoProviderAndNoRequest() async throws {
        let metadata = try MetadataServer()
        defer { metadata.server.stop() }
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        for value in ["true", "TRUE", "True"] {
            var processEnvironment = metadata.processEnvironment
            processEnvironment["AWS_EC2_METADATA_DISABLED"] = value
            #expect(
                try InstanceMetadataCredentialProvider.fromEnvironment(processEnvironment, transport: transport) == nil
            )
        }
        #expect(metadata.server.requests.isEmpty)
    }

    @Test(arguments: [
        ([String: String](), "http://169.254.169.254"),
        (["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"], "http://[fd00:ec2::254]"),
        (["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "ipv4"], "http://169.254.169.254"),
        (
            [
                "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9/",
                "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6",
            ], "http://127.0.0.1:9"
        ),
    ])
    func endpointSelection(processEnvironment: [String: String], endpoint: String) throws {
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        // Only constructed, never asked: no request leaves for a metadata address.
        let provider = try InstanceMetadataCredentialProvider.fromEnvironment(processEnvironment, transport: transport)
        #expect(provider?.endpoint == endpoint)
    }

    @Test func unknownModeIsAConfigurationError() throws {
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        let error = #expect(throws: AWSCredentialError.self) {
            _ = try InstanceMetadataCredentialProvider.fromEnvironment(
                ["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv5"],
                transport: transport
            )
        }
        #expect(error?.code == .configuration)
    }
}
