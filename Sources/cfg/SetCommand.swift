import ArgumentParser
import CfgConfig
import CfgEngine
import CfgSecure

#if canImport(Glibc)
import Glibc
#endif

/// `cfg set ENV NAME[.KEY]`: stores a value you already have, read from standard input or a file.
struct SetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        _superCommandName: CfgCommand.name,
        abstract: "Store a value you already have as a secret's (or one key's) new version, read from stdin or a file.",
        discussion: """
            The value comes from standard input (one trailing newline removed: `echo x` and `printf x` store the \
            same x) or from --from-file PATH (a regular file, stored byte for byte), at most 64 KiB; never from the \
            command line, which other users can read in /proc and which stays in shell history. NAME.KEY sets one \
            key of a JSON secret and keeps the others byte for byte; NAME sets the whole secret (--json: a JSON \
            object). The write is a check-and-set: if another writer changed the secret meanwhile, nothing is \
            stored and cfg exits 75. The value is never printed.
            """
    )

    @OptionGroup var project: ProjectOptions

    @Argument(help: "NAME.KEY (one key of a JSON secret) or NAME (the whole secret).")
    var reference: String

    @Option(help: ArgumentHelp("Read the value from this regular file, byte for byte.", valueName: "path"))
    var fromFile: String?

    @Flag(help: "The value is a whole secret given as a JSON object.")
    var json = false

    @Flag(help: "Store an empty value instead of refusing it.")
    var allowEmpty = false

    /// Anything after the reference: most likely a value, which must not come through argv. Never printed.
    @Argument(parsing: .allUnrecognized, help: .hidden)
    var unexpected: [String] = []

    func run() async throws {
        do {
            guard unexpected.isEmpty else { throw Self.valueInArguments(count: unexpected.count) }
            guard let target = SecretTarget(reference: reference) else {
                throw EngineError(.usage, "'\(reference)' is not NAME or NAME.KEY")
            }
            let context = try Context.load(project.path)
            let options = SecretSetter.Options(json: json, allowEmpty: allowEmpty)
            // Names are checked before a value is asked for.
            try SecretSetter.validate(target, options: options, in: context.environment)
            let value: Secret
            if let fromFile {
                value = try SecretInput.file(fromFile)
            } else {
                if isatty(STDIN_FILENO) == 1 {
                    Terminal.info(
                        "cfg: reading the value of \(target) from the terminal: paste it, press Enter, then Ctrl-D "
                            + "(it shows on the screen; a pipe or --from-file keeps it off)"
                    )
                }
                value = try SecretInput.standardInput()
            }
            let outcome = try await BackendFactory.withBackend(
                for: context.environment,
                processEnvironment: context.processEnvironment,
                logger: context.logger
            ) { backend throws(EngineError) in
                try await SecretSetter(environment: context.environment, backend: backend, logger: context.logger)
                    .set(target, to: value, options: options)
            }
            let created = outcome.created ? ", a new secret" : ""
            Terminal.info(
                "cfg: \(context.environment.name): set \(outcome.target) (\(outcome.path), version "
                    + "\(outcome.versionID)\(created))"
            )
        } catch {
            throw fail(error)
        }
    }

    /// The refusal of arguments after the reference, which never repeats them (they may be the value).
    static func valueInArguments(count: Int) -> EngineError {
        let arguments = count == 1 ? "1 argument" : "\(count) arguments"
        return EngineError(
            .usage,
            "set takes no value on the command line (\(arguments) after the reference, not shown): a command "
                + "line is visible to other users in /proc and ps and stays in shell history. Pipe the value in "
                + "(… | cfg set ENV NAME.KEY), paste it at the terminal and press Ctrl-D, or use --from-file PATH."
        )
    }
}
