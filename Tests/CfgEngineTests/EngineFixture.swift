import CfgBackend
import CfgConfig
import CfgEngine
import CfgLocal
import CfgSecure
import CfgTestSupport
import Foundation
import Logging

/// A project in a temporary directory: an environment file, templates, and a local store holding given secrets.
struct EngineFixture {
    var directory: String
    var environment: EnvironmentFile
    var backend: LocalBackend
    var key: Secret

    /// Writes the files, creates the store with `secrets` (path → JSON text) and loads the environment.
    static func make(
        in directory: String,
        yaml: String,
        templates: [String: String],
        secrets: [String: String]
    ) async throws -> EngineFixture {
        for (path, text) in templates.merging(["environments/test.yaml": yaml], uniquingKeysWith: { $1 }) {
            let absolute = directory + "/" + path
            try FileManager.default.createDirectory(
                atPath: (absolute as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try text.write(toFile: absolute, atomically: true, encoding: .utf8)
        }
        let environment = try EnvironmentFileLoader.load("test", projectDirectory: directory)
        let key = SecureRandom.secret(count: 32)
        let storePath = directory + "/.cfg/test.store"
        try AtomicFile.createDirectory(directory + "/.cfg")
        try LocalBackend.create(storePath: storePath, key: key, environmentName: "test")
        let backend = LocalBackend(storePath: storePath, key: key, environmentName: "test")
        for (path, payload) in secrets {
            _ = try await backend.store(
                Secret(copying: payload),
                at: SecretPath(path),
                labels: [.current],
                expectedCurrent: nil
            )
        }
        return EngineFixture(directory: directory, environment: environment, backend: backend, key: key)
    }

    var engine: RenderEngine {
        RenderEngine(environment: environment, backend: backend, processEnvironment: [:], logger: Logger(label: "test"))
    }

    /// The process environment that opens this fixture's store.
    var keyEnvironment: [String: String] {
        ["CFG_LOCAL_KEY": Base64Codec.encode(key, variant: .standard).stringValue() ?? "", "HOME": directory]
    }

    /// A JSON object text from string pairs (the payload of a structured secret).
    static func json(_ pairs: KeyValuePairs<String, String>) throws -> String {
        let object = Dictionary(uniqueKeysWithValues: pairs.map { ($0.key, $0.value) })
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
