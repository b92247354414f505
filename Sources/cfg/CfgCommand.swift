import ArgumentParser
import CfgProcess
import CfgVersion

/// `cfg`: renders an Airflow deployment's configuration from an environment file and its secrets.
@main
struct CfgCommand: AsyncParsableCommand {
    /// The command's name; every subcommand names it as its super-command (see ``directParse(_:)``).
    static let name = "cfg"

    static let configuration = CommandConfiguration(
        commandName: name,
        abstract: "Render Apache Airflow configuration and secrets for a deployment.",
        discussion: """
            Exit codes: 0 success; 64 usage error; 65 configuration error (environment file, template syntax, \
            unknown filter or function); 66 unresolved reference (undefined name, missing secret, missing key); \
            69 backend failure (unreachable, authentication, wrong store key, tampered store); 67 validation \
            failure (an output that cannot be written safely); 73 an output could not be written; 70 internal error; \
            71 /proc is not mounted, or cfg run could not install its signal handlers; 75 cfg set lost a \
            check-and-set to another writer (run again); 126/127 cfg exec could not run / find the command; \
            cfg render --diff: 1 something would change; cfg check and cfg render --check: 65 an error (cfg check: or a warning with --strict); \
            cfg rotate: 2 rotated, 3 rolled back, 4 needs attention, 5 lock busy (see cfg rotate --help).
            """,
        subcommands: [
            RenderCommand.self, CheckCommand.self, ExecCommand.self, RunCommand.self, GetCommand.self, InitCommand.self,
            SetCommand.self, KeygenCommand.self, RotateCommand.self, VersionCommand.self,
        ]
    )

    @Flag(help: "Print cfg's version and the commit it was built from (cfg version adds the C libraries).")
    var version = false

    /// `cfg --version` prints the version and commit; `cfg` alone, its help.
    func run() throws {
        guard version else {
            throw CleanExit.helpRequest(self)
        }
        Terminal.output(VersionReport.build().text)
    }

    /// The library's `main`, preceded by what `cfg exec` and `cfg run` must read on the main thread before anything
    /// else: the signal mask their command should start with (the runtime later changes the main thread's); then
    /// what a crash may reveal is closed (no core file, no backtrace, one line for a fatal signal). Without /proc
    /// nothing runs (``ProcFileSystem``): the arguments would be lost and the runtime's thread pool would crash.
    static func main() async {
        SignalMask.rememberStartup()
        CrashGuard.engage()
        guard ProcFileSystem.isMounted else {
            Terminal.error(
                "/proc is not mounted: cfg cannot read its arguments and the Swift runtime's thread pool needs it; "
                    + "mount it (mount -t proc proc /proc) where cfg runs."
            )
            exit(withError: ExitCode(ExitCodes.operatingSystem))
        }
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            if let quick = QuickParse.command(arguments) {
                try await quick.run()
                return
            }
            var command: any ParsableCommand
            if let direct = directParse(arguments) {
                command = direct
            } else {
                command = try parseAsRoot()
            }
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

extension CfgCommand {
    /// `cfg SUBCOMMAND ARGS…` parsed by the subcommand alone, when that succeeds: the same value the whole tree
    /// would give (the root adds no options), without the root's pass over every command and its check for a
    /// completion-script request, which made up most of a start's parsing. Anything else — help, a usage error,
    /// `--generate-completion-script`, no subcommand — returns nil and goes through ``parseAsRoot()`` for its
    /// messages.
    ///
    /// Every subcommand's configuration names `cfg` as its `_superCommandName`: ArgumentParser then skips its
    /// completion-script check when the subcommand is parsed as a root here (two more reflected pseudo-commands,
    /// 5.6 M of `cfg keygen`'s 12.7 M instructions), and reads the name only for help and usage texts of a
    /// subcommand used as a root, which this path never prints. In the whole tree the root is `CfgCommand`, whose
    /// configuration has no super-command, so its help, usage and completion are unchanged.
    static func directParse(_ arguments: [String]) -> sending (any ParsableCommand)? {
        guard let name = arguments.first, !arguments.contains(where: { $0.hasPrefix("--generate-completion") }),
            let subcommand = configuration.subcommands.first(where: { $0.configuration.commandName == name })
        else { return nil }
        return try? subcommand.parseAsRoot(Array(arguments.dropFirst()))
    }
}

/// Options every environment command shares.
struct ProjectOptions: ParsableArguments {
    @Option(
        name: .customShort("C"),
        help: ArgumentHelp("The project directory (holding environments/ and templates/).", valueName: "dir")
    )
    var directory: String = "."

    @Argument(help: "An environment name (environments/ENV.yaml in the project directory) or a path to a YAML file.")
    var environment: String

    /// The parsed values, as ``Context/load(_:)`` takes them.
    var path: ProjectPath { ProjectPath(directory: directory, environment: environment) }
}

/// The project directory and environment a command works on, as plain values: what ``ProjectOptions`` parses and
/// what ``QuickParse`` reads without ArgumentParser.
struct ProjectPath: Equatable, Sendable {
    var directory = "."
    var environment: String
}
