package import CfgBackend
package import CfgConfig
package import CfgSecure
package import Logging

/// What one process of a service is started with: its environment and its secret files. `cfg exec` prepares one
/// and replaces itself with the command; `cfg run` prepares one per start and compares it with the running one.
package struct ServiceLaunch: Sendable {
    /// The command's environment, sorted by name (see ``ExecEnvironment/build(settings:inherited:withhold:pass:)``).
    /// A Swift String holds each value (not zeroable): they become the command's environment.
    package var environment: [(name: String, value: String)]
    /// Files to write into the secrets directory before the command starts; their paths are in `environment`.
    package var files: [SecretFile]

    package init(environment: [(name: String, value: String)], files: [SecretFile] = []) {
        self.environment = environment
        self.files = files
    }

    /// Resolves a service's settings (and files) through `backend` and builds the command's environment.
    ///
    /// - Parameters:
    ///   - service: the service's name; nil for the environment-wide settings.
    ///   - arguments: the command and its arguments, counted against the kernel's limit.
    ///   - argMax: the kernel's limit for arguments and environment together (`sysconf(_SC_ARG_MAX)`).
    /// - Throws: the render's errors, `.validation` for variables no environment can hold or that exceed the
    ///   kernel's limits.
    package static func prepare(
        environment: Environment,
        service: String?,
        backend: any SecretBackend,
        processEnvironment: [String: String],
        logger: Logger,
        arguments: [String],
        argMax: Int
    ) async throws(EngineError) -> ServiceLaunch {
        let settings = try await RenderEngine(
            environment: environment,
            backend: backend,
            processEnvironment: processEnvironment,
            logger: logger
        ).settings(service: service)
        let variables = try ExecEnvironment.build(
            settings: settings,
            inherited: processEnvironment,
            withhold: ExecEnvironment.credentials(of: environment),
            pass: Set(environment.exec.pass)
        )
        try ExecEnvironment.checkSize(variables, arguments: arguments, argMax: argMax)
        return ServiceLaunch(environment: variables)
    }

    /// Writes the secret files (placeholder until secret files land: there are none yet).
    package func writeFiles() throws(EngineError) {}

    /// Removes the secret files (placeholder until secret files land).
    package func removeFiles() {}

    /// Whether `other` starts the command with exactly the same environment and files (the supervisor restarts
    /// the command only when this is false). Secret contents are compared in constant time.
    package func hasSameContent(as other: ServiceLaunch) -> Bool {
        guard environment.count == other.environment.count, files.count == other.files.count else { return false }
        for (mine, theirs) in zip(environment, other.environment)
        where mine.name != theirs.name || mine.value != theirs.value {
            return false
        }
        for (mine, theirs) in zip(files, other.files) where mine.name != theirs.name || mine.content != theirs.content {
            return false
        }
        return true
    }
}

/// A secret delivered as a file: written with mode 0400 into the secrets directory (on tmpfs) before the command
/// starts, its path given to the command in an environment variable.
package struct SecretFile: Sendable {
    /// The file's name inside the secrets directory.
    package var name: String
    package var content: Secret

    package init(name: String, content: Secret) {
        self.name = name
        self.content = content
    }
}
