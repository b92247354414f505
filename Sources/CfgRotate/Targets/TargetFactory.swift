import CfgAppliers
import CfgBackend
import CfgConfig
import CfgEngine
import CfgProcess
import CfgSecure

/// From a policy's `apply:` to the applier that changes the value where it is used.
///
/// Where to connect comes from the policy (`host`, `port`, `database`) or else from the secret's own keys (`host`,
/// `port`, `dbname`), read from its current version; nothing connects here.
enum TargetFactory {
    static func make(
        for item: PlannedRotation,
        environment: EnvironmentFile,
        processEnvironment: [String: String],
        backend: any SecretBackend
    ) async throws(EngineError) -> PreparedTarget {
        switch item.policy.apply {
        case .none:
            return PreparedTarget(target: nil)
        case .postgres(let postgres):
            return try await self.postgres(postgres, item: item, environment: environment, backend: backend)
        case .redis(let redis):
            return try await self.redis(redis, item: item, backend: backend)
        case .command(let command):
            let target = CommandTarget(
                secret: item.name,
                apply: Hooks.command(command.apply, timeout: Hooks.targetTimeout, environment: processEnvironment),
                test: command.test.map {
                    Hooks.command($0, timeout: Hooks.targetTimeout, environment: processEnvironment)
                },
                retire: command.retire.map {
                    Hooks.command($0, timeout: Hooks.targetTimeout, environment: processEnvironment)
                }
            )
            return PreparedTarget(target: target)
        }
    }

    private static func postgres(
        _ apply: PostgresApply,
        item: PlannedRotation,
        environment: EnvironmentFile,
        backend: any SecretBackend
    ) async throws(EngineError) -> PreparedTarget {
        let fields = try await SecretFields.read(item.path, backend: backend)
        let subject = "rotation for '\(item.name)'"
        guard let host = apply.host ?? fields.text("host") else {
            throw EngineError(
                .configuration,
                "\(item.policy.position): \(subject): no host: set apply.postgres.host or a 'host' key in the secret"
            )
        }
        let port = apply.port ?? fields.int("port") ?? 5432
        let database = apply.database ?? fields.text("dbname") ?? "postgres"
        let modeWord = apply.sslMode ?? "prefer"
        guard let sslMode = PostgresEndpoint.SSLMode(rawValue: modeWord) else {
            throw EngineError(
                .configuration,
                "\(item.policy.position): \(subject): sslmode '\(modeWord)' is not one of disable, allow, prefer, "
                    + "require, verify-ca, verify-full"
            )
        }
        let endpoint = PostgresEndpoint(
            host: host,
            port: port,
            database: database,
            sslMode: sslMode,
            sslRootCert: apply.sslRootCert.map { PathResolution.absolute($0, in: environment.projectDirectory) }
        )
        let strategy: PostgresTarget.Strategy
        switch apply.strategy {
        case .single:
            strategy = .single
        case .alternate:
            guard let adminName = apply.admin,
                let admin = environment.secrets.first(where: { $0.name == adminName })
            else { throw EngineError(.configuration, "\(item.policy.position): \(subject): no admin secret") }
            let value: Secret
            do {
                value = try await backend.fetch(SecretRequest(path: SecretPath(admin.path))).payload
            } catch {
                throw EngineError(.backend, error.description)
            }
            strategy = .alternate(admin: value, group: apply.group)
        }
        let notes = NoteLog()
        let target = PostgresTarget(
            endpoint: endpoint,
            strategy: strategy,
            keys: PostgresSecretKeys(username: "username", password: item.key ?? "password"),
            onFailure: { error in notes.add(error.description) }
        )
        return PreparedTarget(target: target, notes: { notes.all })
    }

    private static func redis(
        _ apply: RedisApply,
        item: PlannedRotation,
        backend: any SecretBackend
    ) async throws(EngineError) -> PreparedTarget {
        let fields = try await SecretFields.read(item.path, backend: backend)
        guard let host = apply.host ?? fields.text("host") else {
            throw EngineError(
                .configuration,
                "\(item.policy.position): rotation for '\(item.name)': no host: set apply.redis.host or a 'host' key "
                    + "in the secret"
            )
        }
        do {
            let target = try RedisTarget(
                endpoint: try RedisEndpoint(host: host, port: apply.port ?? fields.int("port") ?? 6379),
                passwordKey: item.key ?? "password",
                usernameKey: "username"
            )
            return PreparedTarget(target: target, notes: { await target.notes() })
        } catch {
            throw EngineError(.configuration, "\(item.policy.position): rotation for '\(item.name)': \(error)")
        }
    }
}
