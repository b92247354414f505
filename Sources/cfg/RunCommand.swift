import ArgumentParser
import CfgBackend
import CfgConfig
import CfgEngine
import CfgProcess
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// `cfg run ENV [--service NAME] [--] CMD ARGS…`: starts the command with the service's settings and stays as its
/// parent: forwards signals, reaps orphans, keeps leases and the Vault token alive, re-reads the secrets, restarts
/// or signals the command when they change, revokes the leases at exit, and exits with the command's status.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        _superCommandName: CfgCommand.name,
        abstract: "Run a command with a service's settings and supervise it (renewals, refreshes, restarts).",
        discussion: """
            The command gets the same environment as with `cfg exec`. cfg stays as its parent: every catchable \
            signal cfg receives is forwarded to it, orphans are reaped (as PID 1 or as a subreaper), leases and \
            the Vault token are renewed, secrets are re-read (`run.refresh`) and when a lease ends, and a change \
            restarts the command or signals it (`run.on_change`, after `run.debounce`). At exit the leases are \
            revoked and cfg exits with the command's status (128+N when signal N killed it).
            """
    )

    @OptionGroup var project: ProjectOptions

    @Option(help: "The service whose settings the command gets (the environment-wide ones without it).")
    var service: String?

    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments, after `--`.")
    var command: [String] = []

    /// What was asked, as plain values (cfg's own options after ENV taken off the captured words).
    func request() throws -> LaunchRequest {
        try LaunchRequest(project: project.path, service: service, captured: command, for: "run")
    }

    func run() async throws {
        try await request().supervise()
    }
}

extension LaunchRequest {
    /// Resolves the service's settings, starts the command and supervises it until it ends; exits with its status.
    func supervise() async throws {
        let context: Context
        let backend: any SecretBackend
        do {
            context = try Context.load(project)
            backend = try BackendFactory.make(
                for: context.environment,
                processEnvironment: context.processEnvironment,
                logger: context.logger
            )
        } catch {
            throw fail(error)
        }
        let loop = SupervisorLoop(
            arguments: arguments,
            policy: context.supervisorPolicy,
            logger: context.logger,
            report: { Terminal.error($0) }
        ) { backend throws(EngineError) in
            try await context.prepareLaunch(service: service, arguments: arguments, backend: backend)
        }
        let code: Int32
        do {
            code = ExitCodes.code(for: try await loop.run(backend: backend))
        } catch {
            throw fail(error)
        }
        fflush(nil)
        Glibc.exit(code)
    }
}
