package import CfgBackend
package import CfgConfig
import CfgLocal
package import CfgSecure
package import Logging

/// Builds the backend an environment names: the one adapter from the environment file's `backend:` and the process
/// environment (`VAULT_*`/`BAO_*`, `AWS_*`) to each backend's own settings.
///
/// The Vault and AWS halves are in `BackendFactory+Vault.swift` and `BackendFactory+AWS.swift`.
package enum BackendFactory {
    /// The local store's file: `backend.store`, or `.cfg/ENV.store` under the project directory.
    package static func localStorePath(_ environment: EnvironmentFile, config: LocalBackendConfig) -> String {
        let path = config.store ?? ".cfg/\(environment.name).store"
        return PathResolution.absolute(path, in: environment.projectDirectory)
    }

    /// The key file as the environment names it: relative paths resolve against the project directory; `~/` is
    /// left for the key loader, which expands it with the injected environment.
    package static func localKeyFile(_ environment: EnvironmentFile, config: LocalBackendConfig) -> String? {
        guard let file = config.keyFile else { return nil }
        if file.hasPrefix("/") || file.hasPrefix("~") { return file }
        return PathResolution.absolute(file, in: environment.projectDirectory)
    }

    /// Opens the environment's backend, runs `body` with it and closes it (revoking a token cfg created), also
    /// when `body` fails.
    package static func withBackend<T>(
        for environment: EnvironmentFile,
        processEnvironment: [String: String],
        logger: Logger,
        _ body: (any SecretBackend) async throws(EngineError) -> T
    ) async throws(EngineError) -> T {
        let backend = try make(for: environment, processEnvironment: processEnvironment, logger: logger)
        do {
            let result = try await body(backend)
            await backend.close()
            return result
        } catch {
            await backend.close()
            throw error
        }
    }

    /// Opens the environment's backend; the caller calls `close()` when done.
    package static func make(
        for environment: EnvironmentFile,
        processEnvironment: [String: String],
        logger: Logger = Logger(label: "cfg.backend")
    ) throws(EngineError) -> any SecretBackend {
        switch environment.backend {
        case .local(let config):
            let storePath = localStorePath(environment, config: config)
            let key: Secret
            do {
                key = try LocalBackend.loadKey(
                    storePath: storePath,
                    environmentName: environment.name,
                    keyFile: localKeyFile(environment, config: config),
                    processEnvironment: processEnvironment
                )
            } catch {
                throw EngineError(.backend, error.description)
            }
            return LocalBackend(
                storePath: storePath,
                key: key,
                environmentName: environment.name
            )
        case .vault(let config):
            return try makeVault(environment, config: config, processEnvironment: processEnvironment, logger: logger)
        case .aws(let config):
            return try makeAWS(environment, config: config, processEnvironment: processEnvironment, logger: logger)
        }
    }
}
