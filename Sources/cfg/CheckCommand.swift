import ArgumentParser
import CfgEngine
import FoundationEssentials

/// `cfg check ENV [--format text|json] [--strict]`: the offline check (no backend, no store key, no network).
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        _superCommandName: CfgCommand.name,
        abstract: "Check an environment offline: its file, templates, Airflow settings, services and outputs.",
        discussion: """
            Reads no secret: every secret is withheld, so it runs without a backend, a store key or a network \
            (cfg render --check is the online check that resolves every value). Every problem of the run is \
            reported, each once. Exit codes: 0 no error (warnings are printed); 65 an error, or a warning with \
            --strict.
            """
    )

    @OptionGroup var project: ProjectOptions

    @Option(help: "text (one line per finding on stderr), or json (the report on stdout).")
    var format: RenderRequest.Format = .text

    @Flag(help: "Fail on warnings too.")
    var strict = false

    func run() async throws {
        let processEnvironment = ProcessInfo.processInfo.environment
        let directory = URL(
            fileURLWithPath: project.directory,
            relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        ).standardizedFileURL.path
        let report = await EnvironmentCheck(
            processEnvironment: processEnvironment,
            logger: Context.makeLogger(processEnvironment)
        ).check(project.environment, projectDirectory: directory)
        switch format {
        case .json: Terminal.output(report.json)
        case .text: for line in report.lines { Terminal.info(line) }
        }
        let errors = report.findings.filter { $0.severity == .error }.count
        let warnings = report.findings.count - errors
        let counted = "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
        Terminal.info("cfg: \(report.environment): checked offline: \(counted).")
        if report.hasErrors || (strict && report.hasWarnings) { throw ExitCode(ExitCodes.checkFailed) }
    }
}
