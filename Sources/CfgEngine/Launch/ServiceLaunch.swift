package import CfgBackend
package import CfgConfig
package import CfgRender
package import CfgSecure
package import Logging

/// What one process of a service is started with: its environment and its secret files. `cfg exec` prepares one
/// and replaces itself with the command; `cfg run` prepares one per start and compares it with the running one.
package struct ServiceLaunch: Sendable {
    /// The command's environment, sorted by name (see ``CommandEnvironment/build(settings:inherited:withhold:pass:)``).
    /// A Swift String holds each value (not zeroable): they become the command's environment.
    package var commandEnvironment: [(name: String, value: String)]
    /// Files to write into the secrets directory before the command starts; their paths are in `commandEnvironment`.
    package var files: [SecretFile]
    /// Where the files go (nil when there are none).
    package var location: SecretFileLocation?

    /// The directory the files are written into, `SECRETS_DIR/ENV/SERVICE` (nil when there are no files).
    package var secretsDirectory: String? { location?.path }

    package init(
        commandEnvironment: [(name: String, value: String)],
        files: [SecretFile] = [],
        location: SecretFileLocation? = nil
    ) {
        self.commandEnvironment = commandEnvironment
        self.files = files
        self.location = location
    }

    /// Resolves a service's settings and files through `backend` (one fetch for both) and builds the command's
    /// environment, with each file's path in the variables its `env` names.
    ///
    /// When the process environment holds a task definition's marker (``TaskDefinitionVariables``), the variables it
    /// lists keep the values the task definition gave them, and only the secrets the other settings and the files
    /// need are fetched. The marker itself is not passed on.
    ///
    /// - Parameters:
    ///   - service: the service's name; nil for the environment-wide settings.
    ///   - arguments: the command and its arguments, counted against the kernel's limit.
    ///   - argMax: the kernel's limit for arguments and environment together (`sysconf(_SC_ARG_MAX)`).
    /// - Throws: the render's errors (`.unresolved` for a file's missing secret or key), `.configuration` for a
    ///   variable that both a file and a setting (or two files) set, `.validation` for variables no environment
    ///   can hold or that exceed the kernel's limits.
    package static func prepare(
        environment: EnvironmentFile,
        service: String?,
        backend: any SecretBackend,
        processEnvironment: [String: String],
        logger: Logger,
        arguments: [String],
        argMax: Int
    ) async throws(EngineError) -> ServiceLaunch {
        let engine = RenderEngine(
            environment: environment,
            backend: backend,
            processEnvironment: processEnvironment,
            logger: logger
        )
        // In a container an ECS task definition started, the variables it sets are its own: kept as ECS set them,
        // and the secrets only they use are not fetched.
        let carried = try CommandEnvironment.carriedVariables(in: processEnvironment)
        let resolved =
            if let carried {
                try await engine.settingsAndFiles(service: service, carried: carried)
            } else {
                try await engine.settingsAndFiles(service: service)
            }
        let declarations = environment.files(service: service)
        let location =
            declarations.isEmpty
            ? nil
            : SecretFileLocation(
                root: environment.exec.secretsDirectory,
                environmentName: environment.name,
                service: service
            )
        // The marker is cfg's own; a carried variable is passed on even when its name is one of cfg's credentials,
        // as the setting it stands for would be.
        var variables = try CommandEnvironment.build(
            settings: resolved.settings,
            inherited: processEnvironment,
            withhold: CommandEnvironment.credentials(of: environment).union([TaskDefinitionVariables.variable]),
            pass: Set(environment.exec.pass).union(carried ?? [])
        )
        if let location {
            let paths = try pathVariables(declarations, in: location, settings: resolved.settings)
            variables = variables.filter { paths[$0.name] == nil } + paths.map { (name: $0.key, value: $0.value) }
            variables.sort { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        }
        try CommandEnvironment.checkSize(variables, arguments: arguments, argMax: argMax)
        return ServiceLaunch(commandEnvironment: variables, files: resolved.files, location: location)
    }

    /// Each file variable and the file's absolute path.
    ///
    /// - Throws: `.configuration` for a variable that a setting also sets, or that two files set (a service's
    ///   file and an environment-wide one), naming both positions.
    static func pathVariables(
        _ declarations: [FileDeclaration],
        in location: SecretFileLocation,
        settings: [Setting]
    ) throws(EngineError) -> [String: String] {
        var paths: [String: String] = [:]
        var declaredAt: [String: (file: String, position: ConfigPosition)] = [:]
        var problems: [String] = []
        for declaration in declarations {
            for variable in declaration.variables {
                if let setting = settings.first(where: { $0.variable == variable.name }) {
                    problems.append(
                        "\(variable.position): \(variable.name) gets the path of file '\(declaration.name)' and is also "
                            + "set by the settings at \(setting.position); set it in one place."
                    )
                } else if let previous = declaredAt[variable.name] {
                    problems.append(
                        "\(variable.position): \(variable.name) gets the path of file '\(declaration.name)' and of "
                            + "file '\(previous.file)' at \(previous.position); give each its own variable."
                    )
                }
                declaredAt[variable.name] = (declaration.name, variable.position)
                paths[variable.name] = location.path + "/" + declaration.name
            }
        }
        if !problems.isEmpty { throw EngineError(.configuration, problems) }
        return paths
    }

    /// Writes every file into ``secretsDirectory`` (created 0700 on tmpfs or ramfs, refused anywhere else),
    /// each atomically with mode 0400, then removes the files there that are no longer declared. A no-op
    /// without files. Nothing is written outside that directory.
    ///
    /// - Throws: `.configuration` when the directory is refused (not in memory, a symbolic link, not private
    ///   to this user), `.output` when a file cannot be written; the command must not start then.
    package func writeFiles() throws(EngineError) {
        guard let location, !files.isEmpty else { return }
        do throws(FileError) {
            let directory = try SecretDirectory.open(root: location.root, components: location.components)
            for file in files {
                try directory.write(file.content, name: file.name)
            }
            try directory.removeEntries(keeping: Set(files.map(\.name)))
        } catch {
            throw EngineError(error.code == .invalidInput ? .configuration : .output, error.description)
        }
    }

    /// Best effort: removes the files and the per-service directory (when `cfg run` exits). Errors are ignored.
    package func removeFiles() {
        guard let location else { return }
        SecretDirectory.remove(root: location.root, components: location.components)
    }

    /// Whether `other` starts the command with exactly the same environment and files (the supervisor restarts
    /// the command only when this is false). Secret contents are compared in constant time.
    package func hasSameContent(as other: ServiceLaunch) -> Bool {
        guard commandEnvironment.count == other.commandEnvironment.count, files.count == other.files.count,
            secretsDirectory == other.secretsDirectory
        else { return false }
        for (mine, theirs) in zip(commandEnvironment, other.commandEnvironment)
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
