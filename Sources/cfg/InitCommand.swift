import ArgumentParser
import CfgConfig
import CfgEngine

/// `cfg init ENV`: creates the local store key and generates every declared secret.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        _superCommandName: CfgCommand.name,
        abstract: "Create the local store (and its key) and generate every declared secret that is missing.",
        discussion: """
            The key goes to $XDG_CONFIG_HOME/cfg/keys/ENV.key (or ~/.config/cfg/keys/ENV.key, or the backend's \
            key_file), mode 0600, unless CFG_LOCAL_KEY is set. An existing key is never replaced (runs at the same \
            time all use the one key on disk), and a store whose key file is missing is refused rather than given \
            a new key. Existing secrets are never overwritten. It ends by listing what it could not create (a \
            secret without a generator, a key declared {}) and the cfg set command that stores each.
            """
    )

    @OptionGroup var project: ProjectOptions

    func run() async throws {
        do {
            let context = try Context.load(project.path)
            let report = try await SecretInitializer(
                environment: context.environment,
                processEnvironment: context.processEnvironment,
                logger: context.logger
            ).run()
            let name = context.environment.name
            if let key = report.createdKey { Terminal.info("cfg: \(name): created store key \(key) (mode 0600)") }
            if let store = report.createdStore { Terminal.info("cfg: \(name): created store \(store)") }
            if !report.generated.isEmpty {
                Terminal.info("cfg: \(name): generated \(report.generated.joined(separator: ", "))")
            }
            if !report.existing.isEmpty {
                Terminal.info("cfg: \(name): kept existing \(report.existing.joined(separator: ", "))")
            }
            if !report.toSet.isEmpty {
                let names = report.toSet.map(\.description).joined(separator: ", ")
                Terminal.info(
                    "cfg: \(name): no value and no generator for \(names); store each with cfg set "
                        + "(it reads the value from standard input, or --from-file PATH):"
                )
                for target in report.toSet {
                    let line = SetCommandLine.line(
                        for: target,
                        environment: project.environment,
                        directory: project.directory
                    )
                    Terminal.info("  " + line)
                }
            }
        } catch {
            throw fail(error)
        }
    }
}
