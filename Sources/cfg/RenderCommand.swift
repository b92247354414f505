import ArgumentParser
import CfgConfig
import CfgEngine
import CfgSecure
import Foundation

/// `cfg render ENV [--out DIR] [--check] [--diff]`.
struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract:
            "Render every output the environment declares into out/ENV/ (files 0600, the set written all or nothing)."
    )

    @OptionGroup var project: ProjectOptions

    @Option(help: "The output directory (default: out/ENV under the project directory).")
    var out: String?

    @Flag(help: "Resolve and validate everything; write nothing.")
    var check = false

    @Flag(help: "Show what would change per key (secret values only as fingerprints); write nothing.")
    var diff = false

    func run() async throws {
        do {
            let context = try Context.load(project)
            let environment = context.environment
            let outputs = try await BackendFactory.withBackend(
                for: environment,
                processEnvironment: context.processEnvironment,
                logger: context.logger
            ) { backend throws(EngineError) in
                try await RenderEngine(
                    environment: environment,
                    backend: backend,
                    processEnvironment: context.processEnvironment,
                    logger: context.logger
                ).render()
            }
            // The project directory (or the parent of --out) is taken as given; every directory below it is
            // opened without following a link.
            let writer =
                out.map {
                    OutputWriter(directory: PathResolution.absolute($0, in: FileManager.default.currentDirectoryPath))
                }
                ?? OutputWriter(root: environment.projectDirectory, components: ["out", environment.name])
            let directory = writer.directory
            if diff {
                let existing = try writer.existingContents(outputs)
                let fingerprint = SecretFingerprint()
                for (output, old) in zip(outputs, existing) {
                    for line in OutputDiff.compare(output, existing: old, fingerprint: fingerprint).lines {
                        Terminal.output(line + "\n")
                    }
                }
            } else if check {
                try writer.verify(outputs)
                Terminal.info("cfg: \(environment.name): \(outputs.count) outputs resolved and valid; nothing written.")
            } else {
                try await writer.write(outputs)
                Terminal.info("cfg: \(environment.name): wrote \(outputs.count) outputs to \(directory)")
            }
        } catch {
            throw fail(error)
        }
    }
}
