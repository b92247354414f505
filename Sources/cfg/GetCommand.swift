import ArgumentParser
import CfgBackend
import CfgConfig
import CfgEngine
import CfgSecure
import FoundationEssentials

/// `cfg get ENV REFERENCE`: prints one value for scripts and Airflow's `_CMD` options.
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        _superCommandName: CfgCommand.name,
        abstract: "Print one value: a secret (NAME or NAME.KEY) or a rendered variable (AIRFLOW__SECTION__KEY).",
        discussion: """
            The value is printed exactly, without a trailing newline (Airflow uses a _CMD option's output \
            unstripped); pass --newline for a terminal. For a variable, --service selects the service whose \
            settings are used.
            """
    )

    @OptionGroup var project: ProjectOptions

    @Argument(help: "secrets.NAME.KEY, NAME.KEY, NAME, or a variable name such as AIRFLOW__CORE__FERNET_KEY.")
    var reference: String

    @Option(help: "For a variable: the service whose settings are used.")
    var service: String?

    @Flag(help: "Print a newline after the value.")
    var newline = false

    func run() async throws {
        do {
            let context = try Context.load(project.path)
            let value = try await BackendFactory.withBackend(
                for: context.environment,
                processEnvironment: context.processEnvironment,
                logger: context.logger
            ) { backend throws(EngineError) in
                try await ValueLookup(
                    environment: context.environment,
                    backend: backend,
                    processEnvironment: context.processEnvironment,
                    logger: context.logger
                ).value(of: reference, service: service)
            }
            // The value is a Swift string (not zeroable); it exists here to be printed, which is this command's job.
            Terminal.output(newline ? value + "\n" : value)
        } catch {
            throw fail(error)
        }
    }
}
