package import CfgBackend
package import CfgConfig
import CfgLocal
package import CfgSecure
import Foundation

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

    /// Opens the environment's backend.
    package static func make(
        for environment: Environment,
        processEnvironment: [String: String]
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
        case .vault, .aws:
            throw EngineError(
                .backend,
                "\(environment.file): backend '\(environment.backend.kind)' is not available in this version of cfg"
                    + " (only 'local' is)."
            )
        }
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
