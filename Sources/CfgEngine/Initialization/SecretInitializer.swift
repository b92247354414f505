package import CfgBackend
package import CfgConfig
import CfgLocal
package import CfgSecure
import CfgTemplate
import Foundation
package import Logging

/// `cfg init ENV`: creates the local store's key and store when missing, and generates every declared secret
/// that has a generator and does not exist yet. Existing secrets are never overwritten.
package struct SecretInitializer: Sendable {
    package var environment: EnvironmentFile
    package var processEnvironment: [String: String]
    package var logger: Logger

    package init(environment: EnvironmentFile, processEnvironment: [String: String], logger: Logger) {
        self.environment = environment
        self.processEnvironment = processEnvironment
        self.logger = logger
    }

    /// What `init` did, for its report (names and paths only).
    package struct Report: Sendable {
        package var createdKey: String?
        package var createdStore: String?
        package var generated: [String] = []
        package var existing: [String] = []
        package var withoutGenerator: [String] = []
    }

    package func run() async throws(EngineError) -> Report {
        var report = Report()
        guard case .local(let config) = environment.backend else {
            // Remote backends exist already: generate into them what is missing.
            return try await BackendFactory.withBackend(
                for: environment,
                processEnvironment: processEnvironment,
                logger: logger
            ) { backend throws(EngineError) in
                try await generateMissing(into: backend, report: report)
            }
        }
        let storePath = BackendFactory.localStorePath(environment, config: config)
        let initialization: LocalBackend.Initialization
        do {
            // The key and the store are created under the store's lock; the key used is always the one on disk.
            initialization = try LocalBackend.initialize(
                storePath: storePath,
                environmentName: environment.name,
                keyFile: BackendFactory.localKeyFile(environment, config: config),
                processEnvironment: processEnvironment
            )
        } catch {
            throw EngineError(.backend, error.description)
        }
        report.createdKey = initialization.createdKeyFile
        if initialization.createdStore { report.createdStore = storePath }
        let backend = LocalBackend(storePath: storePath, key: initialization.key, environmentName: environment.name)
        return try await generateMissing(into: backend, report: report)
    }

    /// Generates every declared secret that has a generator and is not in `backend` yet (check-and-set: never
    /// over an existing one).
    private func generateMissing(into backend: any SecretBackend, report: Report) async throws(EngineError) -> Report {
        var report = report
        for declaration in environment.secrets {
            let path = SecretPath(declaration.path)
            guard let generation = declaration.generation else {
                report.withoutGenerator.append(declaration.name)
                continue
            }
            do {
                _ = try await backend.fetchMetadata(path)
                report.existing.append(declaration.name)
                continue
            } catch  where error.code == .notFound {
                // Not there yet: generate it below.
            } catch {
                throw EngineError(.backend, error.description)
            }
            let payload = try Self.payload(for: generation)
            do {
                _ = try await backend.store(payload, at: path, labels: [.current], expectedCurrent: "")
            } catch  where error.code == .conflict {
                // A concurrent init stored it first: keep that one.
                report.existing.append(declaration.name)
                continue
            } catch {
                throw EngineError(.backend, error.description)
            }
            logger.info("generated secret", metadata: ["name": "\(declaration.name)", "path": "\(declaration.path)"])
            report.generated.append(declaration.name)
        }
        return report
    }

    /// The new secret's bytes: one generated value, or a JSON object key by key in declaration order.
    ///
    /// The JSON is built from Swift strings, which cannot be zeroed (SECURITY.md).
    static func payload(for generation: SecretGeneration) throws(EngineError) -> Secret {
        switch generation {
        case .whole(let generator):
            return try generator.generate()
        case .keys(let keys):
            var members: [(key: String, value: TemplateValue)] = []
            for key in keys {
                switch key.source {
                case .value(let fixed):
                    members.append((key.key, TemplateValue(fixed)))
                case .generate(let generator):
                    members.append((key.key, .string(key.prefix + (try generator.generate().stringValue() ?? ""))))
                }
            }
            guard let json = TemplateValue.map(TemplateMap(members)).jsonText else {
                throw EngineError(.configuration, "a fixed value of this secret cannot be written as JSON")
            }
            return Secret(copying: json)
        }
    }
}
