import CfgSecure
import CfgTestSupport
import Foundation
import Testing

@testable import CfgAWSAuth

@Suite struct AWSSharedConfigTests {
    private func parse(
        _ text: String,
        kind: AWSSharedConfig.FileKind = .config
    ) throws(AWSCredentialError) -> [String: AWSSharedConfig.Profile] {
        try AWSSharedConfig.parse(Secret(copying: text), file: "~/.aws/config", kind: kind)
    }

    private func parseError(_ text: String, kind: AWSSharedConfig.FileKind = .config) -> AWSCredentialError? {
        do throws(AWSCredentialError) {
            _ = try parse(text, kind: kind)
            Issue.record("expected a parse error")
            return nil
        } catch {
            return error
        }
    }

    @Test func configFileProfilesCommentsAndNestedSections() throws {
        let profiles = try parse(
            """
            \u{FEFF}# a comment
            ; another comment
            [default]
            region=eu-west-1
            AWS_Access_Key_ID   =   AKIADEFAULT
            aws_secret_access_key = default-secret

            [profile prod]
              region : eu-central-1
            s3 =
                max_concurrent_requests = 20
                region = nested-ignored
            role_arn = arn:aws:iam::123456789012:role/prod
            source_profile = default

            [sso-session corp]
            sso_region = us-east-1
            [services local]
            secretsmanager =
              endpoint_url = http://127.0.0.1:1
            [profile\tspaced   ]
            region = ap-south-1
            [profileX]
            region = nowhere
            """
        )
        #expect(Set(profiles.keys) == ["default", "prod", "spaced"])
        let defaults = try #require(profiles["default"])
        #expect(defaults.value("region")?.text == "eu-west-1")
        #expect(defaults.value("aws_access_key_id")?.text == "AKIADEFAULT")
        #expect(defaults.value("aws_access_key_id")?.location.line == 5)
        #expect(defaults.secret("aws_secret_access_key")?.secret == Secret(copying: "default-secret"))
        #expect(defaults.values["aws_secret_access_key"] == nil)
        let prod = try #require(profiles["prod"])
        #expect(prod.value("region")?.text == "eu-central-1")
        #expect(prod.value("role_arn")?.location == AWSSharedConfig.Location(file: "~/.aws/config", line: 13))
        #expect(prod.value("source_profile")?.text == "default")
        #expect(prod.contains("s3"))
        #expect(prod.value("max_concurrent_requests") == nil)
        #expect(profiles["spaced"]?.value("region")?.text == "ap-south-1")
    }

    @Test func credentialsFileSectionsAreProfileNames() throws {
        let profiles = try parse(
            "[prod]\r\naws_access_key_id = AKIAPROD\r\naws_session_token=tok\r\n[profile odd]\r\nregion = x\r\n",
            kind: .credentials
        )
        #expect(Set(profiles.keys) == ["prod", "profile odd"])
        #expect(profiles["prod"]?.value("aws_access_key_id")?.text == "AKIAPROD")
        #expect(profiles["prod"]?.secret("aws_session_token")?.secret == Secret(copying: "tok"))
    }

    @Test func unknownKeysKeepNoValue() throws {
        let profiles = try parse(
            "[default]\nsome_plugin_key = hunter2\ncredential_process = /bin/helper --password hunter2\n"
        )
        let profile = try #require(profiles["default"])
        #expect(profile.otherKeys["some_plugin_key"]?.line == 2)
        #expect(profile.values["some_plugin_key"] == nil)
        // credential_process is read (cfg runs it), but a profile's description never shows a value.
        #expect(profile.value("credential_process")?.location.line == 3)
        #expect(!String(describing: profile).contains("hunter2"))
    }

    @Test func ssoSessionSectionsAreReadApart() throws {
        let (profiles, sessions) = try AWSSharedConfig.parseSections(
            Secret(
                copying: "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
                    + "sso_registration_scopes = sso:account:access\n[profile dev]\nsso_session = corp\n"
            ),
            file: "~/.aws/config",
            kind: .config
        )
        #expect(Set(profiles.keys) == ["dev"])
        let corp = try #require(sessions["corp"])
        #expect(corp.value("sso_start_url")?.text == "https://corp.awsapps.com/start")
        #expect(corp.value("sso_region")?.location.line == 3)
        #expect(corp.otherKeys["sso_registration_scopes"]?.line == 4)
        #expect(profiles["dev"]?.value("sso_session")?.text == "corp")
    }

    @Test(arguments: [
        ("region = x\n", 1, "outside any [section]"),
        ("[default]\nregion\n", 2, "expected `key = value`"),
        ("[default]\nregion = a\n\nREGION = b\n", 4, "already set on line 2"),
        ("[default]\n[default]\n", 2, "already on line 1"),
        ("[default\n", 1, "must end with ]"),
        ("[default] extra\n", 1, "unexpected text"),
        ("[default]\n = value\n", 2, "key name is missing"),
        ("[ ]\n", 1, "is empty"),
    ])
    func errorsNameTheFileAndLine(text: String, line: Int, fragment: String) throws {
        let error = try #require(parseError(text))
        #expect(error.code == .configuration)
        #expect(error.message.hasPrefix("~/.aws/config:\(line): "), "\(error.message)")
        #expect(error.message.contains(fragment), "\(error.message)")
    }

    @Test func errorsNeverQuoteTheLine() throws {
        let error = try #require(parseError("[default]\naws_secret_access_key wJalrXUtnFEMI/K7MDENG\n"))
        #expect(!error.message.contains("wJalrXUtnFEMI"))
    }

    @Test func credentialsFileWinsOverConfigFile() async throws {
        try await CredentialHome.with { home in
            try home.writeConfig(
                """
                [profile prod]
                region = eu-west-1
                aws_access_key_id = AKIACONFIG
                aws_secret_access_key = config-secret
                role_session_name = from-config
                """
            )
            try home.writeCredentials(
                """
                [prod]
                aws_access_key_id = AKIACREDS
                aws_secret_access_key = creds-secret
                [other]
                aws_access_key_id = AKIAOTHER
                """
            )
            let config = try AWSSharedConfig.load(processEnvironment: home.processEnvironment)
            let prod = try #require(config.profiles["prod"])
            #expect(prod.value("aws_access_key_id")?.text == "AKIACREDS")
            #expect(prod.value("aws_access_key_id")?.location.file == "~/.aws/credentials")
            #expect(prod.secret("aws_secret_access_key")?.secret == Secret(copying: "creds-secret"))
            #expect(prod.value("region")?.text == "eu-west-1")
            #expect(prod.value("role_session_name")?.text == "from-config")
            #expect(prod.files == ["~/.aws/config", "~/.aws/credentials"])
            #expect(config.profiles["other"] != nil)
        }
    }

    @Test func variablesNameOtherFilesAndTildeExpands() async throws {
        try await CredentialHome.with { home in
            try home.write("my-config", "[profile a]\nregion = x\n")
            try home.write("my-creds", "[b]\nregion = y\nbroken line\n")
            var processEnvironment = home.processEnvironment
            processEnvironment["AWS_CONFIG_FILE"] = "~/my-config"
            let config = try AWSSharedConfig.load(processEnvironment: processEnvironment)
            #expect(config.profiles["a"]?.value("region")?.text == "x")
            #expect(config.configFile == "~/my-config")

            processEnvironment["AWS_SHARED_CREDENTIALS_FILE"] = home.path + "/my-creds"
            do throws(AWSCredentialError) {
                _ = try AWSSharedConfig.load(processEnvironment: processEnvironment)
                Issue.record("expected a parse error")
            } catch {
                #expect(error.message.hasPrefix("\(home.path)/my-creds:3: "), "\(error.message)")
            }
        }
    }

    @Test func missingFilesAreEmpty() async throws {
        try await CredentialHome.with { home in
            let config = try AWSSharedConfig.load(processEnvironment: home.processEnvironment)
            #expect(config.profiles.isEmpty)
            let noHome = try AWSSharedConfig.load(processEnvironment: [:])
            #expect(noHome.profiles.isEmpty)
        }
    }

    @Test func unreadableFileNamesTheFile() throws {
        do throws(AWSCredentialError) {
            _ = try AWSSharedConfig.load(processEnvironment: ["HOME": "/nonexistent-home"]) {
                (path) throws(FileError) in
                throw FileError(.permissionDenied, "denied", path: path)
            }
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .configuration)
            #expect(error.message.contains("~/.aws/config"))
            #expect(error.message.contains("permission denied"))
        }
    }
}
