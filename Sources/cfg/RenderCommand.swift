import ArgumentParser
import CfgConfig
import CfgEngine
import CfgSecure
import FoundationEssentials

/// `cfg render ENV [--out DIR|-] [--check|--diff] [--format text|json] [--service NAME] [--output PATH]`.
struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        _superCommandName: CfgCommand.name,
        abstract:
            "Render every output the environment declares into out/ENV/ (files 0600, the set written all or nothing).",
        discussion: """
            --service and --output limit the render to one service's outputs or one output path. --out - writes \
            the one selected output to standard output, secrets included (your explicit request, as with cfg get). \
            --format json prints the --check or --diff report on stdout (problems as findings, never a value). \
            The Airflow settings of the outputs are checked with their values: with --check every settings error \
            fails (65); when writing, only a secret's value Airflow would read differently does (a URI password \
            that does not decode back to the secret, $NAME/~ expansion), and the others are printed as warnings. \
            Exit codes: 0 success (--diff: nothing would change); 1 --diff: something would change; 64 usage \
            (also an unknown --service or --output, or --out - with other than one output), 65 configuration \
            (also a settings error), \
            66 unresolved reference, 67 validation, 69 backend, 73 output, as for every command.
            """
    )

    @OptionGroup var project: ProjectOptions

    @Option(help: "The output directory (default: out/ENV under the project directory); - for standard output.")
    var out: String?

    @Flag(help: "Resolve and validate everything; write nothing.")
    var check = false

    @Flag(help: "Show what would change per key (old and secret values only as fingerprints); write nothing.")
    var diff = false

    @Option(help: "With --check or --diff: text, or json (the report on stdout).")
    var format: RenderRequest.Format = .text

    @Option(help: "Render only this service's outputs.")
    var service: String?

    @Option(help: "Render only the output at this path (relative to the output directory, or as declared).")
    var output: String?

    /// What was asked, as plain values.
    var request: RenderRequest {
        RenderRequest(
            project: project.path,
            out: out,
            check: check,
            diff: diff,
            format: format,
            service: service,
            output: output
        )
    }

    func validate() throws {
        try request.validate()
    }

    func run() async throws {
        try await request.run()
    }
}

extension RenderRequest.Format: ExpressibleByArgument {}

/// `cfg render`'s request, as ``RenderCommand`` or ``QuickParse`` reads it.
struct RenderRequest: Equatable, Sendable {
    var project: ProjectPath
    var out: String?
    var check = false
    var diff = false
    var format = Format.text
    var service: String?
    var output: String?

    enum Format: String, Sendable {
        case text, json
    }

    /// The combinations the options exclude.
    func validate() throws {
        if check && diff { throw ValidationError("--check and --diff exclude each other.") }
        if format == .json && !check && !diff { throw ValidationError("--format json needs --check or --diff.") }
        if out == "-" && (check || diff) {
            throw ValidationError("--out - writes an output; --check and --diff do not.")
        }
    }

    private var command: RenderReport.Command { diff ? .diff : .check }

    func run() async throws {
        // The report's name: as given until the environment file is loaded, then the environment's own.
        var name = project.environment
        do {
            let context = try Context.load(project)
            name = context.environment.name
            let report = try await render(context)
            guard let report else { return }
            switch format {
            case .json:
                Terminal.output(report.json)
            case .text:
                if diff {
                    for output in report.outputs {
                        for line in output.diff?.lines ?? [] { Terminal.output(line + "\n") }
                    }
                }
            }
            if check {
                let warnings = report.findings.count
                let noted = warnings == 0 ? "" : " (\(warnings) warning\(warnings == 1 ? "" : "s"))"
                Terminal.info(
                    "cfg: \(report.environment): \(report.outputs.count) outputs resolved and valid\(noted); nothing "
                        + "written."
                )
            }
            if report.hasChanges { throw ExitCode(ExitCodes.differences) }
        } catch let error as EngineError {
            if format == .json {
                Terminal.output(RenderReport(environment: name, command: command, error: error).json)
            }
            throw fail(error)
        }
    }

    /// Renders, then writes, checks or compares; the report of `--check` and `--diff` (nil when written).
    private func render(_ context: Context) async throws(EngineError) -> RenderReport? {
        let environment = context.environment
        let selection = RenderSelection(service: service, output: output, single: out == "-")
        // The project directory (or the parent of --out) is taken as given; every directory below it is opened
        // without following a link.
        let writer =
            out.map {
                OutputWriter(directory: PathResolution.absolute($0, in: FileManager.default.currentDirectoryPath))
            }
            ?? OutputWriter(root: environment.projectDirectory, components: ["out", environment.name])
        let (outputs, warnings) = try await BackendFactory.withBackend(
            for: environment,
            processEnvironment: context.processEnvironment,
            logger: context.logger
        ) { backend throws(EngineError) in
            try await RenderEngine(
                environment: environment,
                backend: backend,
                processEnvironment: context.processEnvironment,
                logger: context.logger
            ).render(selection, settings: check ? .check : .write, verifying: out == "-" ? nil : writer)
        }
        // Warnings go to stderr with the report; `--format json` also has them among the findings.
        for warning in warnings { Terminal.error(Self.line(warning)) }
        if out == "-" {
            // The user asked for the file on stdout, secrets included (as `cfg get` prints a value).
            for output in outputs { Terminal.output(output.contents) }
            return nil
        }
        if diff {
            let existing = try writer.existingContents(outputs)
            let fingerprint = SecretFingerprint()
            let diffs = zip(outputs, existing).map { OutputDiff.compare($0, existing: $1, fingerprint: fingerprint) }
            var report = RenderReport(environment: environment.name, diffs: diffs)
            report.findings = warnings
            return report
        }
        if check {
            // Verified with the render, its problems reported with the others.
            var report = RenderReport(environment: environment.name, checked: outputs)
            report.findings = warnings
            return report
        }
        try await writer.write(outputs)
        Terminal.info("cfg: \(environment.name): wrote \(outputs.count) outputs to \(writer.directory)")
        return nil
    }

    /// A warning as people read it: `FILE:LINE:COLUMN: warning: MESSAGE`.
    private static func line(_ finding: Finding) -> String {
        let place = [finding.file, finding.line.map(String.init), finding.column.map(String.init)].compactMap { $0 }
        let prefix = place.isEmpty ? "" : place.joined(separator: ":") + ": "
        return "\(prefix)\(finding.severity.rawValue): \(finding.message)"
    }
}
