import ArgumentParser
import CfgConfig
import CfgEngine
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `cfg exec ENV [--service NAME] [--] CMD ARGS…`: resolves the service's settings and replaces cfg with the
/// command (`execve`): same PID, so signals, the exit status and PID 1 belong to the command.
struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
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

    static let notFound: Int32 = 127
    static let cannotRun: Int32 = 126

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
        guard let program = arguments.first, !program.isEmpty else {
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
                try await ServiceLaunch.prepare(
                    environment: context.environment,
                    service: service,
                    backend: backend,
                    processEnvironment: context.processEnvironment,
                    logger: context.logger,
                    arguments: arguments,
                    argMax: sysconf(Int32(_SC_ARG_MAX))
                )
            }
            // The files are written only once everything is resolved, and the command starts only if all were.
            try launch.writeFiles()
            environment = launch.environment
        } catch {
            throw fail(error)
        }
        let path = Self.locate(program, path: environment.first { $0.name == "PATH" }?.value)
        let errorNumber = Self.execute(path ?? program, arguments: arguments, environment: environment)
        throw Self.startFailure("exec", program: program, located: path != nil, errorNumber: errorNumber)
    }

    /// Says why `program` could not be started (by `cfg exec` or `cfg run`, the `command` word) and returns the
    /// exit code: 127 when it was not found, 126 when it cannot be run.
    static func startFailure(_ command: String, program: String, located: Bool, errorNumber: Int32) -> ExitCode {
        let reason = String(cString: strerror(errorNumber))
        if !located || errorNumber == ENOENT {
            Terminal.error("\(command): command '\(program)' not found (\(reason)); check PATH and the image.")
            return ExitCode(notFound)
        }
        Terminal.error("\(command): cannot run '\(program)': \(reason).")
        return ExitCode(cannotRun)
    }

    /// The executable for `program`: itself when it contains a `/`, else the first executable file of that name
    /// in the command's `PATH` (as `execvp` searches, but in the environment the command will have).
    static func locate(_ program: String, path: String?) -> String? {
        if program.contains("/") { return program }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(
            separator: ":",
            omittingEmptySubsequences: false
        ) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + program
            var status = stat()
            if stat(candidate, &status) == 0, status.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }

    /// `execve`; returns only on failure, with `errno`.
    static func execute(_ path: String, arguments: [String], environment: [(name: String, value: String)]) -> Int32 {
        fflush(nil)
        restoreSignalMask()
        // The values (secrets among them) become C strings only for the call that hands them to the command.
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.name)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        // The command gets the core limit cfg was started with; cfg's own is 0 again if it stays.
        CrashGuard.restoreCoreLimit()
        execve(path, argv, envp)
        let failure = errno
        CrashGuard.forbidCoreDumps()
        return failure
    }

    /// Gives the calling thread the signal mask cfg was started with, because `execve` keeps the caller's mask:
    /// this code runs on a concurrency worker thread, which blocks almost every signal, and the command would
    /// otherwise never see SIGTERM.
    static func restoreSignalMask() {
        var mask = SignalPump.startupMask ?? SignalPump.emptyMask()
        pthread_sigmask(SIG_SETMASK, &mask, nil)
    }
}
