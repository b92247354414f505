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
          external: airflow/test/external
        """

    func initialize(_ directory: String) async throws -> (SecretInitializer.Report, Environment) {
        try Self.yaml.write(toFile: directory + "/test.yaml", atomically: true, encoding: .utf8)
        let environment = try EnvironmentLoader.load(directory + "/test.yaml", projectDirectory: directory)
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
            #expect(report.withoutGenerator == ["external"])
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
            #expect(report.createdKey == nil && report.createdStore == nil)
            let after = try await backend.fetch(SecretRequest(path: SecretPath("airflow/test/fernet")))
            #expect(after.payload == before.payload)
            #expect(after.versionID == before.versionID)
        }
    }
}
