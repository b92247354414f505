import ArgumentParser
import CfgVersion

/// `cfg version`: what `cfg --version` prints.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        _superCommandName: CfgCommand.name,
        abstract: "Print cfg's version, the commit it was built from and the C libraries it runs with."
    )

    func run() {
        Terminal.output(VersionReport.current().text)
    }
}
