import CfgConfig
import CfgSecure
import Foundation
import Testing

@testable import CfgAWS

@Suite struct AWSSettingsTests {
    /// Resolves with a config file that has a `prod` profile in eu-central-1 and a default in ap-south-1.
    private func resolve(
        _ variables: [String: String],
        region: String? = nil,
        profile: String? = nil,
        endpoint: String? = nil
    ) throws(AWSCredentialError) -> AWSSettings {
        let files = [
            "/home/test/.aws/config":
                "[default]\nregion = ap-south-1\n[profile prod]\nregion = eu-central-1\n[profile bare]\n"
        ]
        return try AWSSettings.resolve(
            config: AWSBackendConfig(region: region, profile: profile, endpoint: endpoint),
            environment: variables.merging(["HOME": "/home/test"]) { $1 }
        ) { (path) throws(FileError) in
            guard let text = files[path] else { throw FileError(.notFound, "no such file", path: path) }
            return Secret(copying: text)
        }
    }

    private func resolveError(
        _ variables: [String: String],
        region: String? = nil,
        endpoint: String? = nil
    ) -> AWSCredentialError? {
        do throws(AWSCredentialError) {
            _ = try resolve(variables, region: region, endpoint: endpoint)
            Issue.record("expected an error")
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ([String: String](), nil as String?, "default", AWSSettings.ProfileSource.implicitDefault),
        ([:], "prod", "prod", .environmentFile),
        (["AWS_DEFAULT_PROFILE": "dp"], "prod", "dp", .variable("AWS_DEFAULT_PROFILE")),
        (["AWS_PROFILE": "p", "AWS_DEFAULT_PROFILE": "dp"], "prod", "p", .variable("AWS_PROFILE")),
        (["AWS_PROFILE": ""], "prod", "prod", .environmentFile),
    ])
    func profilePrecedence(
        variables: [String: String],
        file: String?,
        expected: String,
        source: AWSSettings.ProfileSource
    ) throws {
        let settings = try resolve(variables.merging(["AWS_REGION": "us-east-1"]) { $1 }, profile: file)
        #expect(settings.profile == expected)
        #expect(settings.profileSource == source)
        #expect(settings.profileIsExplicit == (source != .implicitDefault))
        #expect(settings.profileSkipsEnvironmentCredentials == (source == .environmentFile))
    }

    @Test(arguments: [
        (["AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "us-west-1"], "eu-west-3", "us-west-2", "AWS_REGION"),
        (["AWS_DEFAULT_REGION": "us-west-1"], "eu-west-3", "us-west-1", "AWS_DEFAULT_REGION"),
        ([:], "eu-west-3", "eu-west-3", "backend.region"),
        ([:], nil, "ap-south-1", "region in profile 'default' (~/.aws/config:2)"),
        (["AWS_PROFILE": "prod"], nil, "eu-central-1", "region in profile 'prod' (~/.aws/config:4)"),
    ])
    func regionPrecedence(variables: [String: String], file: String?, expected: String, source: String) throws {
        let settings = try resolve(variables, region: file)
        #expect(settings.region == expected)
        #expect(settings.regionSource == source)
    }

    @Test func missingRegionSaysWhatToSet() throws {
        let error = try #require(resolveError(["AWS_PROFILE": "bare"]))
        #expect(error.kind == .configuration)
        #expect(error.message.contains("AWS_REGION"))
        #expect(error.message.contains("backend.region"))
    }

    @Test(arguments: ["EU-WEST-1", "eu west 1", "eu-west-1/", "-eu", "us-east-1.evil.com"])
    func invalidRegionNamesTheSource(region: String) throws {
        let error = try #require(resolveError(["AWS_REGION": region]))
        #expect(error.kind == .configuration)
        #expect(error.message.contains("AWS_REGION"))
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
        let settings = try resolve(variables.merging(["AWS_REGION": "eu-west-1"]) { $1 }, endpoint: file)
        #expect(settings.secretsManagerEndpoint == secretsManager)
        #expect(settings.stsEndpoint == sts)
        #expect(settings.warnings.isEmpty)
    }

    @Test func chinaRegionsUseTheirPartition() throws {
        let settings = try resolve(["AWS_REGION": "cn-north-1"])
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
        #expect(error.kind == .configuration)
        #expect(error.message.contains(variable))
        #expect(!error.message.contains("hunter2"))
    }

    @Test func invalidFileEndpointNamesTheField() throws {
        let error = try #require(resolveError(["AWS_REGION": "eu-west-1"], endpoint: "localhost:4566"))
        #expect(error.message.contains("backend.endpoint"))
    }

    @Test func plainHTTPToAnotherHostWarns() throws {
        let settings = try resolve(["AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "http://aws.internal:4566"])
        #expect(settings.warnings.count == 2)
        #expect(settings.warnings.allSatisfy { $0.contains("AWS_ENDPOINT_URL") && $0.contains("unencrypted") })
    }

    @Test func descriptionNamesNoCredential() async throws {
        try await CredentialHome.with { home in
            try home.writeCredentials("[default]\naws_access_key_id = AKIAHIDDEN\naws_secret_access_key = s3cr3t\n")
            let settings = try home.settings(home.environment)
            for text in [String(describing: settings), String(reflecting: settings.sharedConfig)] {
                #expect(!text.contains("s3cr3t"))
                #expect(!text.contains("AKIAHIDDEN"))
            }
        }
    }
}
