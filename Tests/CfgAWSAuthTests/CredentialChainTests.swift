import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Synchronization
import Testing

@testable import CfgAWSAuth

@Suite struct CredentialChainTests {
    private let environmentKeys = ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret"]

    /// The chain's credentials or error for this home and environment.
    private func run(
        _ home: CredentialHome,
        _ variables: [String: String] = [:],
        profile: String? = nil,
        profileVariable: String? = nil,
        sts: String? = nil,
        containerHost: String = "127.0.0.1:9",
        transport: CurlTransport
    ) async throws -> Result<AWSCredentials, AWSCredentialError> {
        let processEnvironment = home.processEnvironment.merging(variables) { $1 }
        let settings = try home.settings(
            processEnvironment,
            profile: profile,
            profileVariable: profileVariable,
            sts: sts
        )
        let chain = AWSCredentialChain.make(
            settings: settings,
            processEnvironment: processEnvironment,
            transport: transport,
            containerHost: containerHost
        )
        return await CredentialFixture.result(chain)
    }

    private func failure(_ result: Result<AWSCredentials, AWSCredentialError>) throws -> AWSCredentialError {
        switch result {
        case .success(let credentials):
            Issue.record("expected an error, got credentials from \(credentials.source)")
            throw CancellationError()
        case .failure(let error):
            return error
        }
    }

    // MARK: - Order

    @Test func environmentBeatsTheProfile() async throws {
        try await CredentialHome.with { home in
            try home.writeCredentials("[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = file-secret\n")
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let credentials = try await run(home, environmentKeys, transport: transport).get()
            #expect(credentials.accessKeyID == "AKIAENV")
            #expect(credentials.source == "environment variables")

            // AWS_PROFILE does not skip the variables (botocore keeps them first).
            let named = try await run(home, environmentKeys, profileVariable: "default", transport: transport)
            #expect(try named.get().accessKeyID == "AKIAENV")
        }
    }

    @Test func profileFromTheEnvironmentFileSkipsTheVariables() async throws {
        try await CredentialHome.with { home in
            try home.writeCredentials("[prod]\naws_access_key_id = AKIAPROD\naws_secret_access_key = prod-secret\n")
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let variables = environmentKeys.merging(["AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent"]) { $1 }
            let credentials = try await run(home, variables, profile: "prod", transport: transport).get()
            #expect(credentials.accessKeyID == "AKIAPROD")
            #expect(credentials.secretAccessKey == Secret(copying: "prod-secret"))
            #expect(credentials.source == "profile 'prod'")
        }
    }

    @Test func profileBeatsContainerAndInstanceMetadata() async throws {
        try await CredentialHome.with { home in
            try home.writeConfig(
                "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = s\naws_session_token = t\n"
            )
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let credentials = try await run(
                home,
                ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/x"],
                transport: transport
            ).get()
            #expect(credentials.accessKeyID == "AKIAFILE")
            #expect(credentials.sessionToken == Secret(copying: "t"))
        }
    }

    @Test func explicitProfileThatDoesNotExistIsAnError() async throws {
        try await CredentialHome.with { home in
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let fromVariable = try failure(try await run(home, profileVariable: "ghost", transport: transport))
            #expect(fromVariable.code == .configuration)
            #expect(fromVariable.message.contains("profile 'ghost'"))
            #expect(fromVariable.message.contains("AWS_PROFILE"))
            #expect(fromVariable.message.contains("is not in ~/.aws/config or ~/.aws/credentials"))
            let fromFile = try failure(try await run(home, profile: "ghost", transport: transport))
            #expect(fromFile.message.contains("backend.profile"))
        }
    }

    @Test func nothingConfiguredIsMissingAndNothingIsAsked() async throws {
        try await CredentialHome.with { home in
            let metadata = try ScriptedHTTPServer { _ in .text("should not be asked") }
            defer { metadata.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let error = try failure(
                try await run(
                    home,
                    ["AWS_EC2_METADATA_SERVICE_ENDPOINT": metadata.baseURL, "AWS_EC2_METADATA_DISABLED": "true"],
                    transport: transport
                )
            )
            #expect(error.code == .missing)
            for fragment in [
                "environment variables", "web identity", "profile 'default'", "container credentials",
                "instance metadata (disabled by AWS_EC2_METADATA_DISABLED)", "AWS_ACCESS_KEY_ID", "AWS_PROFILE",
            ] {
                #expect(error.message.contains(fragment), "missing \(fragment): \(error.message)")
            }
            #expect(metadata.requests.isEmpty)
        }
    }

    @Test func profileWithoutCredentialsFallsThroughToTheContainer() async throws {
        try await CredentialHome.with { home in
            try home.writeConfig("[default]\nregion = eu-west-1\n")
            let server = try ScriptedHTTPServer { _ in CredentialFixture.credentialJSON() }
            defer { server.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let credentials = try await run(
                home,
                ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/t"],
                containerHost: "127.0.0.1:\(server.port)",
                transport: transport
            ).get()
            #expect(credentials.accessKeyID == "ASIACONTAINER")
            #expect(credentials.source == "container credentials")
            #expect(server.requests.map(\.path) == ["/v2/credentials/t"])
        }
    }

    @Test func instanceMetadataIsTheLastResort() async throws {
        try await CredentialHome.with { home in
            let metadata = try CredentialInstanceMetadataTests.MetadataServer()
            defer { metadata.server.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            var variables = metadata.processEnvironment
            variables["AWS_EC2_METADATA_DISABLED"] = "false"
            let credentials = try await run(home, variables, transport: transport).get()
            #expect(credentials.accessKeyID == "ASIAIMDS")

            metadata.shared.lock.withLock { $0.role = nil }
            let noRole = try failure(try await run(home, variables, transport: transport))
            #expect(noRole.code == .missing)
            #expect(noRole.message.contains("no IAM role"))
        }
    }

    @Test func silentInstanceMetadataCountsAsAbsent() async throws {
        try await CredentialHome.with { home in
            // A server that drops every connection unanswered, kept running so no other test can take its port.
            let server = try ScriptedHTTPServer { _ in .close }
            defer { server.stop() }
            let endpoint = server.baseURL
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let error = try failure(
                try await run(
                    home,
                    ["AWS_EC2_METADATA_DISABLED": "no", "AWS_EC2_METADATA_SERVICE_ENDPOINT": endpoint],
                    transport: transport
                )
            )
            #expect(error.code == .missing)
            #expect(error.message.contains("instance metadata at \(endpoint) did not answer"))
        }
    }

    @Test func aSourceThatAppliesAndFailsDoesNotFallThrough() async throws {
        try await CredentialHome.with { home in
            let container = try ScriptedHTTPServer { _ in CredentialFixture.credentialJSON() }
            defer { container.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let error = try failure(
                try await run(
                    home,
                    [
                        "AWS_WEB_IDENTITY_TOKEN_FILE": home.path + "/no-token",
                        "AWS_ROLE_ARN": CredentialFixture.roleARN,
                        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/x",
                    ],
                    containerHost: "127.0.0.1:\(container.port)",
                    transport: transport
                )
            )
            #expect(error.code == .configuration)
            #expect(error.message.contains(home.path + "/no-token"))
            #expect(container.requests.isEmpty)

            let noRole = try failure(
                try await run(home, ["AWS_WEB_IDENTITY_TOKEN_FILE": home.path + "/t"], transport: transport)
            )
            #expect(noRole.message.contains("AWS_ROLE_ARN"))
        }
    }

    // MARK: - Web identity and roles against a scripted STS

    @Test func webIdentityFromTheVariables() async throws {
        try await CredentialHome.with { home in
            let sts = try ScriptedHTTPServer { _ in CredentialFixture.stsSuccess(action: "AssumeRoleWithWebIdentity") }
            defer { sts.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let tokenFile = try home.write("irsa-token", "irsa.jwt.value")
            let credentials = try await run(
                home,
                [
                    "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": CredentialFixture.roleARN,
                    "AWS_ROLE_SESSION_NAME": "airflow-scheduler",
                ],
                sts: sts.baseURL,
                transport: transport
            ).get()
            #expect(credentials.accessKeyID == "ASIASTSKEY")
            #expect(credentials.source == "web identity (AWS_ROLE_ARN)")
            let request = try #require(sts.requests.first)
            #expect(request.header("Authorization") == nil)
            let form = CredentialFixture.form(request)
            #expect(form["WebIdentityToken"] == "irsa.jwt.value")
            #expect(form["RoleSessionName"] == "airflow-scheduler")
        }
    }

    @Test func webIdentityFromTheProfile() async throws {
        try await CredentialHome.with { home in
            let sts = try ScriptedHTTPServer { _ in CredentialFixture.stsSuccess(action: "AssumeRoleWithWebIdentity") }
            defer { sts.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            try home.write("profile-token", "profile.jwt")
            try home.writeConfig(
                """
                [profile eks]
                role_arn = \(CredentialFixture.roleARN)
                web_identity_token_file = ~/profile-token
                duration_seconds = 1800
                """
            )
            let credentials = try await run(home, profileVariable: "eks", sts: sts.baseURL, transport: transport).get()
            #expect(credentials.source == "profile 'eks'")
            let form = CredentialFixture.form(try #require(sts.requests.first))
            #expect(form["Action"] == "AssumeRoleWithWebIdentity")
            #expect(form["WebIdentityToken"] == "profile.jwt")
            #expect(form["DurationSeconds"] == "1800")
        }
    }

    @Test func roleWithSourceProfileIsSignedByTheSourceKeys() async throws {
        try await CredentialHome.with { home in
            let sts = try ScriptedHTTPServer { _ in CredentialFixture.stsSuccess() }
            defer { sts.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            try home.writeConfig(
                """
                [profile prod]
                role_arn = \(CredentialFixture.roleARN)
                source_profile = base
                role_session_name = airflow-prod
                external_id = tenant-7
                region = eu-central-1
                """
            )
            try home.writeCredentials("[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = base-secret\n")
            let processEnvironment = home.processEnvironment
            let settings = try home.settings(
                processEnvironment,
                profile: "prod",
                region: "eu-central-1",
                sts: sts.baseURL
            )
            let chain = AWSCredentialChain.make(
                settings: settings,
                processEnvironment: processEnvironment,
                transport: transport
            )
            let credentials = try await chain.credentials()
            #expect(credentials.accessKeyID == "ASIASTSKEY")
            #expect(credentials.source == "profile 'prod'")
            // Cached: a second call sends nothing.
            _ = try await chain.credentials()
            let requests = sts.requests
            try #require(requests.count == 1)
            let authorization = try #require(requests[0].header("Authorization"))
            #expect(authorization.contains("Credential=AKIABASE/"))
            #expect(authorization.contains("/eu-central-1/sts/aws4_request"))
            let form = CredentialFixture.form(requests[0])
            #expect(form["Action"] == "AssumeRole")
            #expect(form["RoleArn"] == CredentialFixture.roleARN)
            #expect(form["RoleSessionName"] == "airflow-prod")
            #expect(form["ExternalId"] == "tenant-7")
        }
    }

    @Test func rolesChainThroughSourceProfiles() async throws {
        try await CredentialHome.with { home in
            let sts = try ScriptedHTTPServer { _ in CredentialFixture.stsSuccess() }
            defer { sts.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            try home.writeConfig(
                """
                [profile a]
                role_arn = arn:aws:iam::111111111111:role/a
                source_profile = b
                [profile b]
                role_arn = arn:aws:iam::222222222222:role/b
                source_profile = c
                [profile c]
                aws_access_key_id = AKIAC
                aws_secret_access_key = c-secret
                role_arn = arn:aws:iam::333333333333:role/ignored
                """
            )
            _ = try await run(home, profileVariable: "a", sts: sts.baseURL, transport: transport)
                .get()
            let requests = sts.requests
            try #require(requests.count == 2)
            #expect(CredentialFixture.form(requests[0])["RoleArn"] == "arn:aws:iam::222222222222:role/b")
            #expect(requests[0].header("Authorization")?.contains("Credential=AKIAC/") == true)
            #expect(CredentialFixture.form(requests[1])["RoleArn"] == "arn:aws:iam::111111111111:role/a")
            #expect(requests[1].header("Authorization")?.contains("Credential=ASIASTSKEY/") == true)
            #expect(requests[1].header("X-Amz-Security-Token") == "sts-token")
        }
    }

    @Test func selfReferencingSourceWithKeysIsAllowed() async throws {
        try await CredentialHome.with { home in
            let sts = try ScriptedHTTPServer { _ in CredentialFixture.stsSuccess() }
            defer { sts.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            try home.writeCredentials(
                """
                [self]
                aws_access_key_id = AKIASELF
                aws_secret_access_key = self-secret
                role_arn = \(CredentialFixture.roleARN)
                source_profile = self
                """
            )
            let credentials = try await run(home, profileVariable: "self", sts: sts.baseURL, transport: transport).get()
            #expect(credentials.accessKeyID == "ASIASTSKEY")
            #expect(sts.requests.first?.header("Authorization")?.contains("Credential=AKIASELF/") == true)
        }
    }

    @Test func credentialSourceSignsWithTheNamedSource() async throws {
        try await CredentialHome.with { home in
            let sts = try ScriptedHTTPServer { _ in CredentialFixture.stsSuccess() }
            defer { sts.stop() }
            let container = try ScriptedHTTPServer { _ in CredentialFixture.credentialJSON() }
            defer { container.stop() }
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            try home.writeConfig(
                """
                [profile env]
                role_arn = \(CredentialFixture.roleARN)
                credential_source = Environment
                [profile ecs]
                role_arn = \(CredentialFixture.roleARN)
                credential_source = EcsContainer
                """
            )
            let variables = environmentKeys.merging(["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/c"]) { $1 }
            _ = try await run(home, variables, profile: "env", sts: sts.baseURL, transport: transport).get()
            _ = try await run(
                home,
                variables,
                profile: "ecs",
                sts: sts.baseURL,
                containerHost: "127.0.0.1:\(container.port)",
                transport: transport
            ).get()
            let requests = sts.requests
            try #require(requests.count == 2)
            #expect(requests[0].header("Authorization")?.contains("Credential=AKIAENV/") == true)
            #expect(requests[1].header("Authorization")?.contains("Credential=ASIACONTAINER/") == true)
            #expect(container.requests.count == 1)
        }
    }

    // MARK: - Profile errors

    @Test(arguments: [
        (
            "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n",
            "'a' → 'b' → 'a' form a cycle"
        ),
        ("[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = a\n", "names itself as source_profile"),
        (
            "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = nowhere\n",
            "source_profile 'nowhere' of profile 'a' (~/.aws/config:3) is not in"
        ),
        (
            "[profile a]\nrole_arn = arn:aws:iam::1:role/a\n",
            "no source_profile, credential_source or web_identity_token_file"
        ),
        (
            "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\ncredential_source = Environment\n[profile b]\n",
            "both source_profile"
        ),
        (
            "[profile a]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = Ec2\n",
            "must be Environment, Ec2InstanceMetadata or EcsContainer"
        ),
        (
            "[profile a]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = Ec2InstanceMetadata\n",
            "AWS_EC2_METADATA_DISABLED"
        ),
        ("[profile a]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = Environment\n", "needs AWS_ACCESS_KEY_ID"),
        (
            "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n[profile b]\nregion = x\n",
            "'b' of profile 'a' (~/.aws/config:3) has no credentials"
        ),
        ("[profile a]\nrole_arn = not-an-arn\nsource_profile = a\n", "role_arn in profile 'a' (~/.aws/config:2)"),
        (
            "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = a\nduration_seconds = 60\naws_access_key_id = A\naws_secret_access_key = S\n",
            "duration_seconds in profile 'a' (~/.aws/config:4)"
        ),
        (
            "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nrole_session_name = has space\nsource_profile = a\n",
            "role session name"
        ),
        (
            "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nmfa_serial = arn:aws:iam::1:mfa/me\nsource_profile = a\n",
            "MFA code"
        ),
        ("[profile a]\nweb_identity_token_file = /t\n", "without role_arn"),
        (
            "[profile a]\naws_access_key_id = AKIA\n",
            "has aws_access_key_id (~/.aws/config:2) but no aws_secret_access_key"
        ),
        ("[profile a]\naws_secret_access_key = s\n", "but no aws_access_key_id"),
        (
            "[profile a]\ncredential_process = /bin/creds 'unclosed\n",
            "credential_process of profile 'a' (~/.aws/config:2) has a quote that is not closed"
        ),
        ("[profile a]\ncredential_process = \"\"\n", "names no command"),
        ("[profile a]\nsso_session = corp\n", "has no [sso-session corp] section"),
        (
            "[profile a]\nsso_start_url = https://x.awsapps.com/start\n",
            "lacks sso_region, sso_account_id, sso_role_name"
        ),
        (
            "[profile a]\nsso_session = c\nsso_account_id = 1\nsso_role_name = r\n[sso-session c]\nsso_region = x\n",
            "sso-session 'c' in ~/.aws/config lacks sso_start_url"
        ),
        (
            "[profile a]\nsso_session = c\nsso_region = eu-west-1\n[sso-session c]\nsso_region = us-east-1\n",
            "The sso_region of profile 'a' (~/.aws/config:3) differs"
        ),
    ])
    func profileErrorsNameTheProfileAndLine(config: String, fragment: String) async throws {
        try await CredentialHome.with { home in
            try home.writeConfig(config)
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let error = try failure(try await run(home, profileVariable: "a", transport: transport))
            #expect(error.code == .configuration)
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test func longSourceProfileChainsAreRefused() async throws {
        try await CredentialHome.with { home in
            var config = ""
            for index in 0..<12 {
                config +=
                    "[profile p\(index)]\nrole_arn = arn:aws:iam::1:role/p\(index)\nsource_profile = p\(index + 1)\n"
            }
            config += "[profile p12]\naws_access_key_id = A\naws_secret_access_key = S\n"
            try home.writeConfig(config)
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let error = try failure(try await run(home, profileVariable: "p0", transport: transport))
            #expect(error.message.contains("longer than 10 profiles"), "\(error.message)")
        }
    }
}
