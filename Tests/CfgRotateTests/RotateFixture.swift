import CfgBackend
import CfgConfig
import CfgEngine
import CfgRotate
import CfgSecure
import CfgTestSupport
import Foundation
import Logging

/// A local-store project in a temporary directory: an environment file, `cfg init`, and the engine over it.
struct RotateFixture {
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
          api: { path: airflow/test/api, generate: { bytes: { length: 16, encoding: hex } } }
        rotation:
          fernet: { key: fernet_key, every: 90d }
          flower: { key: basic_auth, every: 30d }
          api: { every: 7d }
        """

    let directory: String
    let environment: EnvironmentFile

    /// Writes `yaml`, runs `cfg init` and returns the fixture.
    static func make(in directory: String, yaml: String = RotateFixture.yaml) async throws -> RotateFixture {
        try yaml.write(toFile: directory + "/test.yaml", atomically: true, encoding: .utf8)
        let environment = try EnvironmentFileLoader.load(directory + "/test.yaml", projectDirectory: directory)
        _ = try await SecretInitializer(
            environment: environment,
            processEnvironment: ["HOME": directory],
            logger: Logger(label: "test")
        ).run()
        return RotateFixture(directory: directory, environment: environment)
    }

    func engine(now: @escaping @Sendable () -> Date = Date.init) -> RotateEngine {
        RotateEngine(
            environment: environment,
            processEnvironment: ["HOME": directory],
            logger: Logger(label: "test"),
            now: now
        )
    }

    /// The current value of a secret (the whole payload) as text.
    func value(_ path: String) async throws -> String {
        let backend = try BackendFactory.make(for: environment, processEnvironment: ["HOME": directory])
        let payload = try await backend.fetch(SecretRequest(path: SecretPath(path))).payload
        await backend.close()
        return payload.stringValue() ?? ""
    }

    /// One key of a JSON secret's current value.
    func value(_ path: String, key: String) async throws -> String {
        let text = try await value(path)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return object?[key] as? String ?? ""
    }

    /// The store file's bytes (to prove that reading runs change nothing).
    func storeBytes() throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: directory + "/.cfg/test.store"))
    }
}
