import CfgConfig
import CfgRender
import CfgTemplate

/// One output file to produce: which output, for which service, from which templates.
struct OutputJob {
    var output: OutputConfig
    /// Relative to the output directory, `{service}` already substituted.
    var path: String
    var service: ServiceConfig?
    var templates: [TemplateFile]

    /// The evaluations that give the file's texts, in order.
    var evaluations: [RenderPlan.Evaluation] {
        templates.map { RenderPlan.Evaluation(template: $0.path, service: service?.name) }
    }

    /// The settings of each of the job's texts, read once per run; none for a `file` output, whose template is any
    /// text.
    func settings(from run: inout RenderRun) -> [Result<[Setting], RenderErrors>] {
        guard output.kind != .file else { return [] }
        return evaluations.compactMap { run.settings(of: $0) }
    }

    /// Renders the file from its evaluated templates, in the output's own format.
    func render(
        _ texts: [RenderedText],
        settings: [Result<[Setting], RenderErrors>],
        environment: EnvironmentFile,
        references: [SecretOrigin: String]
    ) throws -> RenderedOutput {
        var rendered = try output.kind.format.render(
            self,
            texts: texts,
            settings: settings,
            environment: environment,
            references: references
        )
        rendered.service = service?.name
        return rendered
    }
}
