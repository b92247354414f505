package import CfgBackend
package import CfgConfig
import CfgLocal
package import CfgSecure
import CfgTemplate
import FoundationEssentials
package import Logging

/// `cfg init ENV`: creates the local store's key and store when missing, and generates every declared secret
/// that has a generator and does not exist yet. Existing secrets are never overwritten.
///
/// What it cannot create (a secret without a generator, a key declared `{}`) is reported as ``Report/toSet``, for
/// `cfg set` to store.
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
        /// What has no value and no generator, in declaration order: a whole secret (`slack`) or a key declared
        /// `{}` (`slack.webhook_url`), missing from the backend; `cfg set` stores it.
        package var toSet: [SecretTarget] = []
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
    /// over an existing one), and finds what only `cfg set` can store.
    private func generateMissing(into backend: any SecretBackend, report: Report) async throws(EngineError) -> Report {
        var report = report
        // Dynamic secrets are issued by the backend: nothing to create or set.
        for declaration in environment.secrets where !declaration.dynamic {
            let path = SecretPath(declaration.path)
            let unsetKeys = Self.unsetKeys(of: declaration)
            if try await exists(path, in: backend) {
                report.existing.append(declaration.name)
                let missing = try await missingKeys(unsetKeys, at: path, in: backend)
                report.toSet += missing.map { SecretTarget(name: declaration.name, key: $0) }
                continue
            }
            guard let generation = declaration.generation, let payload = try Self.payload(for: generation) else {
                // No generator at all, or only keys declared `{}`: `cfg set` stores them.
                report.toSet +=
                    unsetKeys.isEmpty
                    ? [SecretTarget(name: declaration.name)]
                    : unsetKeys.map { SecretTarget(name: declaration.name, key: $0) }
                continue
            }
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
            report.toSet += unsetKeys.map { SecretTarget(name: declaration.name, key: $0) }
        }
        return report
    }

    /// The keys a secret declares `{}`, in order.
    static func unsetKeys(of declaration: SecretDeclaration) -> [String] {
        guard case .keys(let keys)? = declaration.generation else { return [] }
        return keys.filter { $0.source == .unset }.map(\.key)
    }

    /// Whether the backend has the secret.
    private func exists(_ path: SecretPath, in backend: any SecretBackend) async throws(EngineError) -> Bool {
        do {
            _ = try await backend.fetchMetadata(path)
            return true
        } catch  where error.code == .notFound {
            return false
        } catch {
            throw EngineError(.backend, error.description)
        }
    }

    /// Those of `keys` that the secret's current value lacks (all of them when it is not a JSON object).
    private func missingKeys(
        _ keys: [String],
        at path: SecretPath,
        in backend: any SecretBackend
    ) async throws(EngineError) -> [String] {
        guard !keys.isEmpty else { return [] }
        let version: SecretVersion
        do {
            version = try await backend.fetch(SecretRequest(path: path))
        } catch  where error.code == .notFound {
            return keys
        } catch {
            throw EngineError(.backend, error.description)
        }
        guard let document = try? SecureJSON(parsing: version.payload, maxDepth: SecretResolver.maximumDepth) else {
            return keys
        }
        return keys.filter { document.root[$0] == nil }
    }

    /// The new secret's bytes: one generated value, or a JSON object key by key in declaration order (keys declared
    /// `{}` left out); nil when every key is declared `{}`.
    ///
    /// The JSON is built from Swift strings, which cannot be zeroed (SECURITY.md).
    static func payload(for generation: SecretGeneration) throws(EngineError) -> Secret? {
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
                case .unset:
                    continue
                }
            }
            guard !members.isEmpty else { return nil }
            guard let json = TemplateValue.map(TemplateMap(members)).jsonText else {
                throw EngineError(.configuration, "a fixed value of this secret cannot be written as JSON")
            }
            return Secret(copying: json)
        }
    }
}
