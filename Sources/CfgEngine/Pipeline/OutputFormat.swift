import CfgConfig
import CfgRender
import CfgTemplate

/// How one kind of output becomes files: the jobs an output expands into, how a job's evaluated templates render,
/// and the entries `cfg render --diff` compares (whose keys are the ones ``RenderedOutput/secretKeys`` names).
///
/// ``CfgConfig/OutputConfig/Kind/format`` is the one place that chooses by kind.
protocol OutputFormat: Sendable {
    /// The files `output` produces, each with its templates and the service whose context evaluates them.
    func jobs(for output: OutputConfig, in environment: EnvironmentFile) throws(EngineError) -> [OutputJob]

    /// A job's file, from its templates' texts in order, in this format's syntax and escaping.
    ///
    /// - Parameters:
    ///   - settings: the settings read from each text, in order (the run reads each text once for all outputs).
    ///   - references: the `valueFrom` of each backend value the platform can fetch itself.
    /// - Throws: a renderer's error (a value the format cannot hold), reported against the job's path.
    func render(
        _ job: OutputJob,
        texts: [RenderedText],
        settings: [Result<[Setting], RenderErrors>],
        environment: EnvironmentFile,
        references: [SecretOrigin: String]
    ) throws -> RenderedOutput

    /// The (key, value) pairs of a file of this format, as `--diff` compares them.
    func diffEntries(in contents: String) -> [(String, String)]
}

extension OutputConfig.Kind {
    /// The format of this kind of output.
    var format: any OutputFormat {
        switch self {
        case .env: SettingsOutputFormat(renderer: EnvBlockRenderer.render)
        case .dotenv: SettingsOutputFormat(renderer: DotenvRenderer.render)
        case .ecsTaskDefinition: TaskDefinitionOutputFormat()
        case .file: FileOutputFormat()
        }
    }
}
