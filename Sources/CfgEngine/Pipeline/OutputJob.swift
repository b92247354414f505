package import CfgConfig
package import CfgRender
package import CfgTemplate

/// One output file to produce: which output, for which service, from which templates.
struct OutputJob {
    var output: OutputConfig
    /// Relative to the output directory, `{service}` already substituted.
    var path: String
    var service: ServiceConfig?
    var templates: [TemplateFile]

    /// Renders the file from its evaluated templates, in the output's own format.
    func render(
        _ texts: [RenderedText],
        environment: Environment,
        references: [SecretOrigin: String]
    ) throws -> RenderedOutput {
        switch output.kind {
        case .env, .dotenv:
            let settings = SettingsSet.merge(try texts.map { try SettingsParser.parse($0) })
            let contents =
                output.kind == .env
                ? try EnvBlockRenderer.render(settings)
                : try DotenvRenderer.render(settings)
            let secret = settings.filter { $0.value.containsSecret }.map(\.variable)
            return RenderedOutput(kind: output.kind, path: path, contents: contents, secretKeys: Set(secret))
        case .ecsTaskDefinition:
            guard let service else { preconditionFailure("ECS jobs always have a service") }
            let settings = SettingsSet.merge(try texts.map { try SettingsParser.parse($0) })
            let contents =
                try ECSTaskDefinitionRenderer
                .render(service: service, environment: environment, settings: settings, deliveryReferences: references)
            let secret =
                environment.ecs.insecurePlaintextSecrets
                ? settings.filter { $0.value.containsSecret }.map { "environment.\($0.variable)" } : []
            return RenderedOutput(kind: output.kind, path: path, contents: contents, secretKeys: Set(secret))
        case .file:
            let text = RenderedText(segments: texts.flatMap(\.segments))
            return RenderedOutput(
                kind: .file,
                path: path,
                contents: text.text,
                secretKeys: Self.secretLines(text)
            )
        }
    }

    /// `line N` for every line of a file output that holds a secret byte.
    static func secretLines(_ text: RenderedText) -> Set<String> {
        var keys: Set<String> = []
        var line = 1
        for segment in text.segments {
            let breaks = segment.text.filter { $0 == "\n" }.count
            if segment.isSecret {
                for offset in 0...breaks { keys.insert("line \(line + offset)") }
            }
            line += breaks
        }
        return keys
    }
}
