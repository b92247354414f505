import CfgConfig
import CfgRender
import CfgTemplate

/// `env` and `dotenv` outputs: one file of `NAME=value` lines from the merged settings of the environment (and of
/// the output's service, if it names one), each kind with its own escaping.
struct SettingsOutputFormat: OutputFormat {
    /// Writes the merged settings in the kind's syntax.
    var renderer: @Sendable ([Setting]) throws(RenderError) -> String

    func jobs(for output: OutputConfig, in environment: EnvironmentFile) -> [OutputJob] {
        let service = output.service.flatMap(environment.service(named:))
        return [
            OutputJob(
                output: output,
                path: output.path,
                service: service,
                templates: environment.settings + (service?.settings ?? [])
            )
        ]
    }

    func render(
        _ job: OutputJob,
        texts: [RenderedText],
        settings: [Result<[Setting], RenderErrors>],
        environment: EnvironmentFile,
        references: [SecretOrigin: String]
    ) throws -> RenderedOutput {
        let settings = SettingsSet.merge(try settings.map { try $0.get() })
        let contents = try renderer(settings)
        let secret = settings.filter { $0.value.containsSecret }.map(\.variable)
        return RenderedOutput(kind: job.output.kind, path: job.path, contents: contents, secretKeys: Set(secret))
    }

    /// Variables by name; comments and lines without `=` are not entries.
    func diffEntries(in contents: String) -> [(String, String)] {
        contents.split(separator: "\n", omittingEmptySubsequences: true).compactMap { line in
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { return nil }
            return (String(line[..<equals]), String(line[line.index(after: equals)...]))
        }
    }
}
