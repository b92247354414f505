import ArgumentParser
import CfgConfig
import CfgEngine
import CfgProcess
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// `cfg exec ENV [--service NAME] [--] CMD ARGS…`: resolves the service's settings and replaces cfg with the
/// command (`execve`): same PID, so signals, the exit status and PID 1 belong to the command.
struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        _superCommandName: CfgCommand.name,
        abstract: "Run a command with a service's settings in its environment (the command replaces cfg).",
        discussion: """
            The command gets cfg's own environment without cfg's credentials (VAULT_TOKEN, BAO_TOKEN, \
            CFG_LOCAL_KEY, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, and AppRole variables; \
            `exec.pass` in the environment file keeps some), plus every setting of the service. Nothing is \
            written to disk: the service's `files` go to the secrets directory on tmpfs (exec.secrets_dir, \
            default /dev/shm/cfg) with mode 0400, their paths in the variables they name. Exit codes besides cfg's own: 126 the command cannot be run, 127 it was not found.
            """
    )

    @OptionGroup var project: ProjectOptions

    @Option(help: "The service whose settings the command gets (the environment-wide ones without it).")
    var service: String?

    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments, after `--`.")
    var command: [String] = []

    /// What was asked, as plain values (cfg's own options after ENV taken off the captured words).
    func request() throws -> LaunchRequest {
        try LaunchRequest(project: project.path, service: service, captured: command, for: "exec")
    }

    func run() async throws {
        try await request().exec()
    }
}

extension LaunchRequest {
    /// Resolves the service's settings, writes its files and replaces cfg with the command; returns only by
    /// throwing.
    func exec() async throws {
        let environment: [(name: String, value: String)]
        do {
            let context = try Context.load(project)
            let launch = try await BackendFactory.withBackend(
                for: context.environment,
                processEnvironment: context.processEnvironment,
                logger: context.logger
            ) { backend throws(EngineError) in
                try await context.prepareLaunch(service: service, arguments: arguments, backend: backend)
            }
            // The files are written only once everything is resolved, and the command starts only if all were.
            try launch.writeFiles()
            environment = launch.commandEnvironment
        } catch {
            throw fail(error)
        }
        throw fail(Command(arguments: arguments, environment: environment).exec(as: "exec"))
    }
}
