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

    /// cfg's own options written after ENV (`cfg exec prod --service scheduler -- airflow scheduler`): the
    /// passthrough argument captures everything after ENV, so they are taken off its front here, up to `--` or
    /// the first word that is not one of them.
    static func split(_ captured: [String]) throws -> (service: String?, directory: String?, command: [String]) {
        var rest = captured[...]
        var service: String?
        var directory: String?
        while let first = rest.first {
            if first == "--service" || first == "-C" {
                guard rest.count >= 2 else { throw ValidationError("\(first) needs a value.") }
                let value = rest[rest.index(after: rest.startIndex)]
                if first == "-C" { directory = value } else { service = value }
                rest = rest.dropFirst(2)
            } else if first.hasPrefix("--service=") {
                service = String(first.dropFirst("--service=".count))
                rest = rest.dropFirst()
            } else {
                break
            }
        }
        if rest.first == "--" { rest = rest.dropFirst() }
        return (service, directory, Array(rest))
    }

    func run() async throws {
        let split = try Self.split(command)
        let arguments = split.command
        let service = split.service ?? self.service
        var project = self.project
        if let directory = split.directory { project.directory = directory }
        guard !(arguments.first ?? "").isEmpty else {
            throw ValidationError("Name the command to run after `--`, e.g. `cfg exec prod -- airflow scheduler`.")
        }
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
