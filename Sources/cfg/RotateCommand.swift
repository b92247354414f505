import ArgumentParser
import CfgEngine
import CfgRotate
import CfgRotation

/// `cfg rotate ENV [NAME…] [--due] [--dry-run | --status] [--format json]`.
struct RotateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        _superCommandName: CfgCommand.name,
        abstract:
            "Rotate the environment's secrets by their rotation policies: staged, crash-safe, one lock per secret.",
        discussion: """
            Without --due the named policies rotate now; with --due only those older than their 'every' (all \
            policies when none is named). A step line per action goes to stderr; --format json prints the report \
            on stdout. Exit codes: 0 nothing was due; 2 rotated (or retired an old value); 3 rolled back (the \
            current value still works, the next run tries a new one); 4 needs attention (the report says what to \
            do); 5 another run holds a lock (try again later); 64, 65 and 69 as for every command.
            """
    )

    @OptionGroup var project: ProjectOptions

    @Argument(help: "Policies to rotate (the secret names under 'rotation:'); all with --due when none is named.")
    var names: [String] = []

    @Flag(help: "Rotate only what is due (older than the policy's 'every').")
    var due = false

    @Flag(name: .customLong("dry-run"), help: "Say what would be done; change nothing.")
    var dryRun = false

    @Flag(help: "List each policy's last rotation, next due date and any rotation in progress; change nothing.")
    var status = false

    @Option(help: "text (lines on stderr) or json (the report on stdout).")
    var format: ReportFormat = .text

    enum ReportFormat: String, ExpressibleByArgument {
        case text, json
    }

    func validate() throws {
        if dryRun && status { throw ValidationError("--dry-run and --status exclude each other.") }
        if !status && !due && names.isEmpty {
            throw ValidationError(
                "Name the policies to rotate now, or pass --due to rotate what is due (or --status to look)."
            )
        }
    }

    func run() async throws {
        let report: RotateReport
        do {
            let context = try Context.load(project.path)
            let mode: RotationMachine.Mode = due ? .ifDue : .now
            let kind: RotateEngine.Kind = status ? .status : dryRun ? .dryRun(mode) : .rotate(mode)
            report = try await RotateEngine(
                environment: context.environment,
                processEnvironment: context.processEnvironment,
                logger: context.logger,
                progress: { line in Terminal.info(line) }
            ).run(names: names, kind: kind)
        } catch {
            throw fail(error)
        }
        switch format {
        case .json: Terminal.output(report.json)
        case .text: break
        }
        for line in report.lines { Terminal.info(line) }
        let code = ExitCodes.code(for: report.status)
        if code != 0 { throw ExitCode(code) }
    }
}
