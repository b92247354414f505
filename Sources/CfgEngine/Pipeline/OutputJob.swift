import CfgConfig
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

    /// Renders the file from its evaluated templates, in the output's own format.
    func render(
        _ texts: [RenderedText],
        environment: EnvironmentFile,
        references: [SecretOrigin: String]
    ) throws -> RenderedOutput {
        var rendered = try output.kind.format.render(
            self,
            texts: texts,
            environment: environment,
            references: references
        )
        rendered.service = service?.name
        return rendered
    }
}
