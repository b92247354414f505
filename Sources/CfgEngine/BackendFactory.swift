package import CfgBackend
package import CfgConfig
import CfgHTTP
import CfgLocal
package import CfgSecure
import CfgVault
import Foundation
package import Logging

/// Builds the backend an environment names.
package enum BackendFactory {
    /// The local store's file: `backend.store`, or `.cfg/ENV.store` under the project directory.
    package static func localStorePath(_ environment: Environment, config: LocalBackendConfig) -> String {
        let path = config.store ?? ".cfg/\(environment.name).store"
        return PathResolution.absolute(path, in: environment.projectDirectory)
    }

    /// The key file as the environment names it: relative paths resolve against the project directory; `~/` is
    /// left for the key loader, which expands it with the injected environment.
    package static func localKeyFile(_ environment: Environment, config: LocalBackendConfig) -> String? {
        guard let file = config.keyFile else { return nil }
        if file.hasPrefix("/") || file.hasPrefix("~") { return file }
        return PathResolution.absolute(file, in: environment.projectDirectory)
    }

    /// Opens the environment's backend, runs `body` with it and closes it (revoking a token cfg created), also
    /// when `body` fails.
    package static func withBackend<T>(
        for environment: Environment,
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
        for environment: Environment,
        processEnvironment: [String: String],
        logger: Logger = Logger(label: "cfg.backend")
    ) throws(EngineError) -> any SecretBackend {
        switch environment.backend {
        case .local(let config):
            let key: Secret
            do {
                key = try LocalKey.load(
                    environmentName: environment.name,
                    keyFile: localKeyFile(environment, config: config),
                    environment: processEnvironment
                )
            } catch {
                throw EngineError(.backend, error.description)
            }
            return LocalBackend(
                storePath: localStorePath(environment, config: config),
                key: key,
                environmentName: environment.name
            )
        case .vault(let config):
            return try makeVault(environment, config: config, processEnvironment: processEnvironment, logger: logger)
        case .aws:
            throw EngineError(
                .backend,
                "\(environment.file): backend 'aws' is not available in this version of cfg (local and vault are)."
            )
        }
    }

    /// A Vault backend over its own libcurl transport.
    private static func makeVault(
        _ environment: Environment,
        config: VaultBackendConfig,
        processEnvironment: [String: String],
        logger: Logger
    ) throws(EngineError) -> any SecretBackend {
        let settings: VaultSettings
        let transport: CurlTransport
        do {
            settings = try VaultSettings.resolve(config: config, environment: processEnvironment) { path in
                PathResolution.absolute(path, in: environment.projectDirectory)
            }
        } catch {
            throw EngineError(.configuration, "\(environment.file): \(error.description)")
        }
        for warning in settings.warnings {
            logger.warning("\(warning)")
        }
        do {
            transport = try CurlTransport(options: settings.http)
        } catch {
            throw EngineError(.backend, "\(environment.file): the HTTP transport could not start: \(error.description)")
        }
        return VaultBackend(
            settings: settings,
            transport: transport,
            environment: processEnvironment,
            releaseTransport: { transport.shutdown() }
        )
    }
}

/// Path helpers: relative paths in an environment file resolve against the project directory.
package enum PathResolution {
    package static func absolute(_ path: String, in directory: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] {
            return home + String(path.dropFirst(1))
        }
        return directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }
}
