import CfgAWS
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
            let storePath = localStorePath(environment, config: config)
            let key: Secret
            do {
                key = try LocalBackend.loadKey(
                    storePath: storePath,
                    environmentName: environment.name,
                    keyFile: localKeyFile(environment, config: config),
                    environment: processEnvironment
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

    /// An AWS Secrets Manager backend over its own libcurl transport, with the standard credential chain.
    private static func makeAWS(
        _ environment: Environment,
        config: AWSBackendConfig,
        processEnvironment: [String: String],
        logger: Logger
    ) throws(EngineError) -> any SecretBackend {
        let settings: AWSSettings
        do {
            settings = try AWSSettings.resolve(config: config, environment: processEnvironment)
        } catch {
            throw EngineError(.configuration, "\(environment.file): \(error.description)")
        }
        for warning in settings.warnings {
            logger.warning("\(warning)")
        }
        // The SDKs' standard retry mode: 3 attempts unless AWS_MAX_ATTEMPTS says otherwise.
        var maxAttempts = 3
        if let raw = processEnvironment["AWS_MAX_ATTEMPTS"] {
            guard let value = Int(raw), value >= 1 else {
                throw EngineError(
                    .configuration,
                    "AWS_MAX_ATTEMPTS must be a whole number of at least 1, not '\(raw)'."
                )
            }
            maxAttempts = value
        }
        let options = HTTPClientOptions(
            tls: TLSOptions(caFile: processEnvironment["AWS_CA_BUNDLE"].flatMap { $0.isEmpty ? nil : $0 }),
            proxy: ProxySettings.fromEnvironment(processEnvironment),
            connectTimeout: .seconds(10),
            totalTimeout: .seconds(30)
        )
        let transport: CurlTransport
        do {
            transport = try CurlTransport(options: options)
        } catch {
            throw EngineError(.backend, "\(environment.file): the HTTP transport could not start: \(error.description)")
        }
        let credentials = AWSCredentialChain.make(
            settings: settings,
            environment: processEnvironment,
            transport: transport
        )
        let client = SecretsManagerClient(
            endpoint: settings.secretsManagerEndpoint,
            region: settings.region,
            credentials: credentials,
            transport: transport,
            policy: RetryPolicy(
                maxRetries: maxAttempts - 1,
                baseDelay: .milliseconds(200),
                maxDelay: .seconds(20),
                budget: .seconds(60)
            )
        )
        return AWSBackend(client: client, release: { transport.shutdown() })
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
        var awsCredentials: (any AWSCredentialProvider)?
        if case .aws(_, _, let region, _) = settings.auth {
            // The chain that signs the login: the usual variables, profiles, container and instance credentials;
            // its STS region (for profile roles) defaults to the login's signing region.
            let aws: AWSSettings
            do {
                aws = try AWSSettings.resolve(
                    config: AWSBackendConfig(region: region ?? "us-east-1", profile: nil, endpoint: nil),
                    environment: processEnvironment
                )
            } catch {
                throw EngineError(.configuration, "\(environment.file): \(error.description)")
            }
            awsCredentials = AWSCredentialChain.make(
                settings: aws,
                environment: processEnvironment,
                transport: transport
            )
        }
        return VaultBackend(
            settings: settings,
            transport: transport,
            environment: processEnvironment,
            awsCredentials: awsCredentials,
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
