import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

@testable import CfgAWSAuth

/// Secret keys, session tokens and web identity tokens never show in a description, a mirror or an error.
@Suite struct CredentialCanaryTests {
    /// Every textual form of `value`: `description`, `debugDescription` and `dump`.
    private func texts(_ values: Any...) -> [String] {
        values.flatMap { value -> [String] in
            var dumped = ""
            dump(value, to: &dumped)
            return [String(describing: value), String(reflecting: value), dumped]
        }
    }

    @Test func variablesAndProfiles() async throws {
        let canary = Canary.make()
        try await CredentialHome.with { home in
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            var collected: [String] = []

            let processEnvironment = home.processEnvironment.merging([
                "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": canary, "AWS_SESSION_TOKEN": canary,
            ]) { $1 }
            let settings = try home.settings(processEnvironment)
            let chain = AWSCredentialChain.make(
                settings: settings,
                processEnvironment: processEnvironment,
                transport: transport
            )
            let credentials = try await chain.credentials()
            #expect(credentials.secretAccessKey == Secret(copying: canary))
            collected += texts(credentials, chain, settings)

            do throws(AWSCredentialError) {
                _ = try EnvironmentCredentials.load(["AWS_SECRET_ACCESS_KEY": canary])
            } catch {
                collected += texts(error)
            }

            try home.writeCredentials(
                "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = \(canary)\n"
                    + "aws_session_token = \(canary)\n"
            )
            let fileSettings = try home.settings(home.processEnvironment)
            let fileChain = AWSCredentialChain.make(
                settings: fileSettings,
                processEnvironment: home.processEnvironment,
                transport: transport
            )
            let fileCredentials = try await fileChain.credentials()
            #expect(fileCredentials.sessionToken == Secret(copying: canary))
            collected += texts(fileCredentials, fileChain, fileSettings, fileSettings.sharedConfig)

            // A broken line holding a secret-looking value is reported by line, never quoted.
            let unparsable = String(canary.prefix { $0 != "@" })
            try home.writeCredentials("[default]\n\(unparsable)\n")
            do throws(AWSCredentialError) {
                _ = try home.settings(home.processEnvironment)
                Issue.record("expected a parse error")
            } catch {
                collected += texts(error)
            }
            Canary.assertAbsent(canary, in: collected)
        }
    }

    @Test func webIdentityTokenAndSTSAnswers() async throws {
        let canary = Canary.make()
        try await CredentialHome.with { home in
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let refusing = try ScriptedHTTPServer { _ in
                CredentialFixture.stsError(status: 400, code: "InvalidIdentityToken", message: "bad token \(canary)")
            }
            defer { refusing.stop() }
            let granting = try ScriptedHTTPServer { _ in
                CredentialFixture.stsSuccess(action: "AssumeRoleWithWebIdentity", secret: canary, token: canary)
            }
            defer { granting.stop() }
            let tokenFile = try home.write("token", canary)
            var collected: [String] = []

            for server in [refusing, granting] {
                let processEnvironment = home.processEnvironment.merging([
                    "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": CredentialFixture.roleARN,
                ]) { $1 }
                let chain = AWSCredentialChain.make(
                    settings: try home.settings(processEnvironment, sts: server.baseURL),
                    processEnvironment: processEnvironment,
                    transport: transport
                )
                switch await CredentialFixture.result(chain) {
                case .success(let credentials):
                    #expect(credentials.sessionToken == Secret(copying: canary))
                    collected += texts(credentials)
                case .failure(let error):
                    #expect(error.code == .rejected)
                    collected += texts(error)
                }
                collected += texts(chain)
            }
            // The token went to STS, form-encoded.
            #expect(CredentialFixture.form(try #require(granting.requests.first))["WebIdentityToken"] == canary)
            Canary.assertAbsent(canary, in: collected)
        }
    }

    @Test func containerTokensAndAnswers() async throws {
        let canary = Canary.make()
        let transport = try CredentialFixture.transport()
        defer { transport.shutdown() }
        let refusing = try ScriptedHTTPServer { _ in
            let body = try? JSONSerialization.data(withJSONObject: [
                "code": "AccessDenied", "message": "token \(canary)",
            ])
            return ScriptedHTTPServer.ScriptedResponse(status: 401, body: Array(body ?? Data()))
        }
        defer { refusing.stop() }
        let granting = try ScriptedHTTPServer { _ in CredentialFixture.credentialJSON(secret: canary, token: canary) }
        defer { granting.stop() }
        var collected: [String] = []

        for server in [refusing, granting] {
            let provider = try #require(
                try ContainerCredentialProvider.fromEnvironment(
                    [
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.baseURL + "/v1/credentials",
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN": canary,
                    ],
                    transport: transport
                )
            )
            switch await CredentialFixture.result(provider) {
            case .success(let credentials): collected += texts(credentials)
            case .failure(let error): collected += texts(error)
            }
            collected += texts(provider)
        }
        do throws(AWSCredentialError) {
            _ = try ContainerCredentialProvider.fromEnvironment(
                [
                    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/x",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": canary + "\r\nX: y",
                ],
                transport: transport
            )
            Issue.record("expected an error")
        } catch {
            collected += texts(error)
        }
        #expect(granting.requests.first?.header("Authorization") == canary)
        Canary.assertAbsent(canary, in: collected)
    }
}

extension CredentialCanaryTests {
    /// An instance-metadata endpoint that answers the role-name request with a document (secrets in it) instead of
    /// a role name: the document is neither requested as a path nor echoed.
    @Test func aRoleNameThatIsNotOneIsNeverEchoed() async throws {
        let canary = "CANARY-\(UInt64.random(in: 0...UInt64.max))"
        let server = try ScriptedHTTPServer { request in
            if request.method == "PUT" { return .text("imds-session-token") }
            return .text("<Credentials><SecretAccessKey>\(canary)</SecretAccessKey></Credentials>")
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
        do throws(AWSCredentialError) {
            _ = try await provider.credentials()
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .malformed)
            #expect(!error.description.contains(canary))
            #expect(!String(reflecting: error).contains(canary))
        }
        #expect(server.requests.count == 2, "the token and the role name; no request made from the document")
    }
}
