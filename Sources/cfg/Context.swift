import CfgBackend
import CfgConfig
import CfgEngine
import CfgProcess
import FoundationEssentials
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// What every environment command needs: the loaded environment, the process environment, a logger.
struct Context {
    var environment: EnvironmentFile
    var processEnvironment: [String: String]
    var logger: Logger

    /// Loads the environment file; failures are configuration errors.
    static func load(_ options: ProjectPath) throws(EngineError) -> Context {
        let processEnvironment = ProcessInfo.processInfo.environment
        let project = URL(
            fileURLWithPath: options.directory,
            relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        ).standardizedFileURL.path
        // Every problem the loader finds, one line each.
        var problems: [ConfigError] = []
        guard
            let environment = EnvironmentFileLoader.load(
                options.environment,
                projectDirectory: project,
                problems: &problems
            )
        else {
            guard !problems.isEmpty else {
                throw EngineError(.configuration, ["the environment file could not be loaded"])
            }
            // One line each, and the positions as data too, for `--format json`.
            let findings = problems.map(Finding.init(configuration:))
            throw EngineError(.configuration, problems.map(\.description), findings: findings)
        }
        return Context(
            environment: environment,
            processEnvironment: processEnvironment,
            logger: makeLogger(processEnvironment)
        )
    }

    /// The settings, secret files and command environment of `service` for `arguments`, fetched through `backend`
    /// (`cfg exec` and `cfg run` prepare their command the same way).
    func prepareLaunch(
        service: String?,
        arguments: [String],
        backend: any SecretBackend
    ) async throws(EngineError) -> ServiceLaunch {
        try await ServiceLaunch.prepare(
            environment: environment,
            service: service,
            backend: backend,
            processEnvironment: processEnvironment,
            logger: logger,
            arguments: arguments,
            argMax: sysconf(Int32(_SC_ARG_MAX))
        )
    }

    /// A logger to stderr at CFG_LOG_LEVEL (default warning). cfg logs references and paths, never values.
    static func makeLogger(_ processEnvironment: [String: String]) -> Logger {
        var logger = Logger(label: "cfg") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = processEnvironment["CFG_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }

    /// The environment file's `run:` as the rules of `cfg run`'s supervisor.
    var supervisorPolicy: Supervisor.Policy {
        let run = environment.run
        let onChange: Supervisor.OnChange =
            switch run.onChange {
            case .restart: .restart
            case .signal(let name): .signal(Self.number(of: name))
            case .none: .none
            }
        return Supervisor.Policy(
            refresh: run.refresh.map { .seconds($0) },
            onChange: onChange,
            debounce: .seconds(run.debounce),
            stopSignal: Self.number(of: run.stopSignal),
            stopTimeout: .seconds(run.stopTimeout),
            terminating: [SIGTERM, SIGINT, SIGQUIT]
        )
    }

    /// The platform's number for a signal the environment file names.
    static func number(of name: SignalName) -> Int32 {
        switch name {
        case .hup: SIGHUP
        case .int: SIGINT
        case .quit: SIGQUIT
        case .usr1: SIGUSR1
        case .usr2: SIGUSR2
        case .term: SIGTERM
        case .winch: SIGWINCH
        case .kill: SIGKILL
        }
    }
}
