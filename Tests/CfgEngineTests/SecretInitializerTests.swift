import CfgBackend
import CfgConfig
import CfgEngine
import CfgLocal
import CfgSecure
import CfgTestSupport
import Foundation
import Logging
import Testing

struct SecretInitializerTests {
    static let yaml = """
        backend: { type: local, key_file: keys/test.key }
        secrets:
          fernet:
            path: airflow/test/fernet
            keys:
              fernet_key: { generate: fernet }
          flower:
            path: airflow/test/flower
            keys:
              basic_auth: { generate: { password: { length: 20, profile: uri-safe } }, prefix: "flower:" }
              port: { value: 5555 }
              comment: {}
          external: airflow/test/external
          slack:
            path: airflow/test/slack
            keys:
              webhook_url: {}
          leased: { path: database/creds/airflow, dynamic: true }
        """

    func initialize(_ directory: String) async throws -> (SecretInitializer.Report, EnvironmentFile) {
        try Self.yaml.write(toFile: directory + "/test.yaml", atomically: true, encoding: .utf8)
        let environment = try EnvironmentFileLoader.load(directory + "/test.yaml", projectDirectory: directory)
        let report = try await SecretInitializer(
            environment: environment,
            processEnvironment: ["HOME": directory],
            logger: Logger(label: "test")
        ).run()
        return (report, environment)
    }

    @Test func createsTheKeyTheStoreAndEverySecretWithAGenerator() async throws {
        try await TemporaryDirectory.with { directory in
            let (report, environment) = try await initialize(directory)
            #expect(report.generated == ["fernet", "flower"])
            #expect(
                report.toSet.map(\.description) == ["flower.comment", "external", "slack.webhook_url"],
                "a key declared {} is listed after its secret is generated; a dynamic secret is not listed"
            )
            let keyPath = try #require(report.createdKey)
            #expect(keyPath.hasSuffix("keys/test.key"))
            #expect(try SecureFile.permissions(keyPath) & 0o777 == 0o600)

            let lookup = ValueLookup(
                environment: environment,
                backend: try BackendFactory.make(for: environment, processEnvironment: ["HOME": directory]),
                processEnvironment: [:],
                logger: Logger(label: "test")
            )
            let fernet = try await lookup.value(of: "fernet.fernet_key", service: nil)
            #expect(fernet.count == 44)
            #expect(try Base64Codec.decode(fernet, variant: .urlSafe).count == 32)
            let auth = try await lookup.value(of: "flower.basic_auth", service: nil)
            #expect(auth.hasPrefix("flower:") && auth.count == 27)
            #expect(try await lookup.value(of: "flower.port", service: nil) == "5555")
        }
    }

    @Test func runningAgainKeepsExistingSecrets() async throws {
        try await TemporaryDirectory.with { directory in
            let (_, environment) = try await initialize(directory)
            let backend = try BackendFactory.make(for: environment, processEnvironment: ["HOME": directory])
            let before = try await backend.fetch(SecretRequest(path: SecretPath("airflow/test/fernet")))
            let (report, _) = try await initialize(directory)
            #expect(report.generated.isEmpty)
            #expect(report.existing == ["fernet", "flower"])
            #expect(report.toSet.map(\.description) == ["flower.comment", "external", "slack.webhook_url"])
            #expect(report.createdKey == nil && report.createdStore == nil)
            let after = try await backend.fetch(SecretRequest(path: SecretPath("airflow/test/fernet")))
            #expect(after.payload == before.payload)
            #expect(after.versionID == before.versionID)
        }
    }

    @Test func concurrentRunsOnANewProjectAllSucceedWithTheKeyOnDisk() async throws {
        try await TemporaryDirectory.with { directory in
            try Self.yaml.write(toFile: directory + "/test.yaml", atomically: true, encoding: .utf8)
            let environment = try EnvironmentFileLoader.load(directory + "/test.yaml", projectDirectory: directory)
            let reports = try await withThrowingTaskGroup(of: SecretInitializer.Report.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await SecretInitializer(
                            environment: environment,
                            processEnvironment: ["HOME": directory],
                            logger: Logger(label: "test")
                        ).run()
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(reports.compactMap(\.createdKey).count == 1)
            #expect(reports.compactMap(\.createdStore).count == 1)
            #expect(reports.map { $0.generated.filter { $0 == "fernet" }.count }.reduce(0, +) == 1)
            let backend = try BackendFactory.make(for: environment, processEnvironment: ["HOME": directory])
            _ = try await backend.fetch(SecretRequest(path: SecretPath("airflow/test/fernet")))
        }
    }

    @Test func aStoreWithoutItsKeyStopsInitAndNoNewKeyIsWritten() async throws {
        try await TemporaryDirectory.with { directory in
            let (report, _) = try await initialize(directory)
            let keyPath = try #require(report.createdKey)
            let store = try #require(report.createdStore)
            let before = try SecureFile.readBytes(store)
            #expect(unlink(keyPath) == 0)
            let error = await #expect(throws: EngineError.self) { _ = try await initialize(directory) }
            #expect(error?.code == .backend)
            #expect(error?.description.contains("Restore the key file at \(keyPath)") == true)
            #expect(error?.description.contains("remove the store at \(store)") == true)
            #expect(!FileManager.default.fileExists(atPath: keyPath))
            #expect(try SecureFile.readBytes(store) == before)
        }
    }

    @Test func whatCfgSetStoredIsNoLongerListed() async throws {
        try await TemporaryDirectory.with { directory in
            let (_, environment) = try await initialize(directory)
            let backend = try BackendFactory.make(for: environment, processEnvironment: ["HOME": directory])
            let setter = SecretSetter(environment: environment, backend: backend, logger: Logger(label: "test"))
            for reference in ["flower.comment", "external", "slack.webhook_url"] {
                let target = try #require(SecretTarget(reference: reference))
                _ = try await setter.set(target, to: Secret(copying: "x"), options: .init())
            }
            let (report, _) = try await initialize(directory)
            #expect(report.toSet.isEmpty)
            #expect(report.existing == ["fernet", "flower", "external", "slack"])
        }
    }

    @Test(arguments: [
        ("slack.webhook_url", ".", "prod", "cfg set prod slack.webhook_url"),
        ("smtp", "deploy/airflow", "environments/prod.yaml", "cfg set -C deploy/airflow environments/prod.yaml smtp"),
        ("smtp", "my project", "it's", #"cfg set -C 'my project' 'it'\''s' smtp"#),
    ])
    func theSetCommandLineIsQuotedForAShell(reference: String, directory: String, name: String, line: String) throws {
        let target = try #require(SecretTarget(reference: reference))
        #expect(SetCommandLine.line(for: target, environment: name, directory: directory) == line)
    }
}
