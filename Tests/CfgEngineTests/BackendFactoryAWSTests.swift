import CfgAWS
import CfgAWSAuth
import CfgConfig
import CfgSecure
import Foundation
import Testing

@testable import CfgEngine

/// The AWS half of the adapter: `backend:` and the `AWS_*` variables to the Secrets Manager backend's settings.
@Suite struct BackendFactoryAWSTests {
    typealias Resolved = (settings: AWSSettings, regionSource: String, warnings: [String])

    /// Resolves with a config file that has a `prod` profile in eu-central-1 and a default in ap-south-1.
    private func resolve(
        _ variables: [String: String],
        region: String? = nil,
        profile: String? = nil,
        endpoint: String? = nil,
        files extra: [String: String] = [:]
    ) throws(EngineError) -> Resolved {
        let files = [
            "/home/test/.aws/config":
                "[default]\nregion = ap-south-1\n[profile prod]\nregion = eu-central-1\n[profile bare]\n"
        ].merging(extra) { $1 }
        return try BackendFactory.awsSettings(
            AWSBackendConfig(region: region, profile: profile, endpoint: endpoint),
            processEnvironment: variables.merging(["HOME": "/home/test"]) { $1 }
        ) { (path) throws(FileError) in
            guard let text = files[path] else { throw FileError(.notFound, "no such file", path: path) }
            return Secret(copying: text)
        }
    }

    private func resolveError(
        _ variables: [String: String],
        region: String? = nil,
        endpoint: String? = nil
    ) -> EngineError? {
        do throws(EngineError) {
            _ = try resolve(variables, region: region, endpoint: endpoint)
            Issue.record("expected an error")
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ([String: String](), nil as String?, "default", AWSCredentialSettings.ProfileSource.implicitDefault),
        ([:], "prod", "prod", .setting("backend.profile")),
        (["AWS_DEFAULT_PROFILE": "dp"], "prod", "dp", .variable("AWS_DEFAULT_PROFILE")),
        (["AWS_PROFILE": "p", "AWS_DEFAULT_PROFILE": "dp"], "prod", "p", .variable("AWS_PROFILE")),
        (["AWS_PROFILE": ""], "prod", "prod", .setting("backend.profile")),
    ])
    func profilePrecedence(
        variables: [String: String],
        file: String?,
        expected: String,
        source: AWSCredentialSettings.ProfileSource
    ) throws {
        let settings = try resolve(variables.merging(["AWS_REGION": "us-east-1"]) { $1 }, profile: file).settings
        #expect(settings.credentials.profile == expected)
        #expect(settings.credentials.profileSource == source)
        #expect(settings.credentials.profileIsExplicit == (source != .implicitDefault))
        #expect(settings.credentials.profileSkipsEnvironmentCredentials == (source == .setting("backend.profile")))
    }

    @Test(arguments: [
        (["AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "us-west-1"], "eu-west-3", "us-west-2", "AWS_REGION"),
        (["AWS_DEFAULT_REGION": "us-west-1"], "eu-west-3", "us-west-1", "AWS_DEFAULT_REGION"),
        ([:], "eu-west-3", "eu-west-3", "backend.region"),
        ([:], nil, "ap-south-1", "region in profile 'default' (~/.aws/config:2)"),
        (["AWS_PROFILE": "prod"], nil, "eu-central-1", "region in profile 'prod' (~/.aws/config:4)"),
    ])
    func regionPrecedence(variables: [String: String], file: String?, expected: String, source: String) throws {
        let resolved = try resolve(variables, region: file)
        #expect(resolved.settings.region == expected)
        #expect(resolved.settings.credentials.region == expected)
        #expect(resolved.regionSource == source)
    }

    @Test func missingRegionSaysWhatToSet() throws {
        let error = try #require(resolveError(["AWS_PROFILE": "bare"]))
        #expect(error.code == .configuration)
        #expect(error.description.contains("AWS_REGION"))
        #expect(error.description.contains("backend.region"))
    }

    @Test(arguments: ["EU-WEST-1", "eu west 1", "eu-west-1/", "-eu", "us-east-1.evil.com"])
    func invalidRegionNamesTheSource(region: String) throws {
        let error = try #require(resolveError(["AWS_REGION": region]))
        #expect(error.code == .configuration)
        #expect(error.description.contains("AWS_REGION"))
    }

    @Test(arguments: [
        (
            [String: String](), nil as String?, "https://secretsmanager.eu-west-1.amazonaws.com",
            "https://sts.eu-west-1.amazonaws.com"
        ),
        ([:], "http://127.0.0.1:4566/", "http://127.0.0.1:4566", "https://sts.eu-west-1.amazonaws.com"),
        (["AWS_ENDPOINT_URL": "http://localhost:1"], "http://127.0.0.1:2", "http://localhost:1", "http://localhost:1"),
        (
            [
                "AWS_ENDPOINT_URL": "http://localhost:1", "AWS_ENDPOINT_URL_SECRETS_MANAGER": "https://sm.example",
                "AWS_ENDPOINT_URL_STS": "https://sts.example",
            ],
            nil, "https://sm.example", "https://sts.example"
        ),
        (
            ["AWS_ENDPOINT_URL": "http://localhost:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "TRUE"],
            "http://127.0.0.1:2", "http://127.0.0.1:2", "https://sts.eu-west-1.amazonaws.com"
        ),
        (
            ["AWS_ENDPOINT_URL_STS": "http://localhost:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"],
            nil, "https://secretsmanager.eu-west-1.amazonaws.com", "https://sts.eu-west-1.amazonaws.com"
        ),
    ])
    func endpointPrecedence(variables: [String: String], file: String?, secretsManager: String, sts: String) throws {
        let resolved = try resolve(variables.merging(["AWS_REGION": "eu-west-1"]) { $1 }, endpoint: file)
        #expect(resolved.settings.secretsManagerEndpoint == secretsManager)
        #expect(resolved.settings.stsEndpoint == sts)
        #expect(resolved.warnings.isEmpty)
    }

    @Test func chinaRegionsUseTheirPartition() throws {
        let settings = try resolve(["AWS_REGION": "cn-north-1"]).settings
        #expect(settings.secretsManagerEndpoint == "https://secretsmanager.cn-north-1.amazonaws.com.cn")
        #expect(settings.stsEndpoint == "https://sts.cn-north-1.amazonaws.com.cn")
    }

    @Test(arguments: [
        ("AWS_ENDPOINT_URL", "ftp://example.com"),
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://"),
        ("AWS_ENDPOINT_URL_STS", "https://sts.example/path"),
        ("AWS_ENDPOINT_URL", "https://user:hunter2@example.com"),
        ("AWS_ENDPOINT_URL", "example.com"),
    ])
    func invalidEndpointNamesTheVariable(variable: String, value: String) throws {
        let error = try #require(resolveError(["AWS_REGION": "eu-west-1", variable: value]))
        #expect(error.code == .configuration)
        #expect(error.description.contains(variable))
        #expect(!error.description.contains("hunter2"))
    }

    @Test func invalidFileEndpointNamesTheField() throws {
        let error = try #require(resolveError(["AWS_REGION": "eu-west-1"], endpoint: "localhost:4566"))
        #expect(error.description.contains("backend.endpoint"))
    }

    @Test func plainHTTPToAnotherHostWarns() throws {
        let warnings = try resolve(["AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "http://aws.internal:4566"]).warnings
        #expect(warnings.count == 2)
        #expect(warnings.allSatisfy { $0.contains("AWS_ENDPOINT_URL") && $0.contains("unencrypted") })
    }

    @Test func theSSOPortalComesFromItsVariableThenTheGeneralOne() throws {
        let none = try resolve(["AWS_REGION": "eu-west-1"]).settings.credentials
        #expect(none.ssoEndpoint == nil)
        let general = try resolve(["AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566/"])
        #expect(general.settings.credentials.ssoEndpoint == "http://127.0.0.1:4566")
        let specific = try resolve([
            "AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
            "AWS_ENDPOINT_URL_SSO": "http://127.0.0.1:9999",
        ])
        #expect(specific.settings.credentials.ssoEndpoint == "http://127.0.0.1:9999")
        let ignored = try resolve([
            "AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL_SSO": "http://127.0.0.1:9999",
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
        ])
        #expect(ignored.settings.credentials.ssoEndpoint == nil)
    }

    @Test func creationFieldsReachTheSettings() throws {
        let (settings, _, _) = try BackendFactory.awsSettings(
            AWSBackendConfig(
                region: "eu-west-1",
                profile: nil,
                endpoint: nil,
                kmsKeyID: "alias/airflow",
                tags: [.init("team", "data")]
            ),
            processEnvironment: [:],
            readFile: { (path) throws(FileError) in throw FileError(.notFound, "no such file", path: path) }
        )
        #expect(settings.creation.kmsKeyID == "alias/airflow")
        #expect(settings.creation.tags == [SecretCreationOptions.Tag("team", "data")])
        #expect(BackendFactory.secretDescription(environment: "prod-aws") == "Managed by cfg (environment prod-aws)")
    }

    @Test func descriptionNamesNoCredential() throws {
        let settings = try resolve(
            ["AWS_REGION": "us-east-1"],
            files: [
                "/home/test/.aws/credentials":
                    "[default]\naws_access_key_id = AKIAHIDDEN\naws_secret_access_key = s3cr3t\n"
            ]
        ).settings
        #expect(settings.credentials.sharedConfig.profiles["default"]?.contains("aws_secret_access_key") == true)
        for text in [
            String(describing: settings), String(reflecting: settings), String(describing: settings.credentials),
            String(reflecting: settings.credentials.sharedConfig),
        ] {
            #expect(!text.contains("s3cr3t"))
            #expect(!text.contains("AKIAHIDDEN"))
        }
    }

    @Test func aProfilesRegionIsAlsoTheRegionOfItsRoleCalls() throws {
        let settings = try resolve([:], profile: "prod").settings
        #expect(settings.region == "eu-central-1")
        #expect(settings.credentials.region == "eu-central-1")
        #expect(settings.credentials.stsEndpoint == "https://sts.eu-central-1.amazonaws.com")
        #expect(settings.credentials.profileSkipsEnvironmentCredentials)
    }

    @Test func vaultsAWSLoginResolvesTheChainWithItsRegionUnlessAVariableSetsOne() throws {
        let home = ["HOME": "/nonexistent/cfg-test-home"]
        let own = try BackendFactory.awsCredentialSettings(region: "eu-west-3", processEnvironment: home)
        #expect(own.region == "eu-west-3")
        #expect(own.profileSource == .implicitDefault)
        #expect(own.stsEndpoint == "https://sts.eu-west-3.amazonaws.com")
        let variable = try BackendFactory.awsCredentialSettings(
            region: "eu-west-3",
            processEnvironment: home.merging(["AWS_REGION": "us-west-2", "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1"])
            { $1 }
        )
        #expect(variable.region == "us-west-2")
        #expect(variable.stsEndpoint == "http://127.0.0.1:1")
    }

    @Test func maxAttemptsComeFromTheVariable() throws {
        #expect(try BackendFactory.awsMaxAttempts([:]) == 3)
        #expect(try BackendFactory.awsMaxAttempts(["AWS_MAX_ATTEMPTS": "5"]) == 5)
        let error = #expect(throws: EngineError.self) { try BackendFactory.awsMaxAttempts(["AWS_MAX_ATTEMPTS": "0"]) }
        #expect(error?.code == .configuration)
        #expect(error?.description == "AWS_MAX_ATTEMPTS must be a whole number of at least 1, not '0'.")
    }
}
