import CfgConfig
import CfgRender
import CfgTemplate
import FoundationEssentials

/// `ecs-task-definition` outputs: one RegisterTaskDefinition input per service (the output's, or every service
/// with `{service}` in the path), secrets delivered by reference (`secrets[].valueFrom`).
struct TaskDefinitionOutputFormat: OutputFormat {
    func jobs(for output: OutputConfig, in environment: EnvironmentFile) -> [OutputJob] {
        let services = output.service.flatMap(environment.service(named:)).map { [$0] } ?? environment.services
        return services.map { service in
            OutputJob(
                output: output,
                path: output.path.replacing("{service}", with: service.name),
                service: service,
                templates: environment.settings + service.settings
            )
        }
    }

    func render(
        _ job: OutputJob,
        texts: [RenderedText],
        settings: [Result<[Setting], RenderErrors>],
        environment: EnvironmentFile,
        references: [SecretOrigin: String]
    ) throws -> RenderedOutput {
        guard let service = job.service else { preconditionFailure("ECS jobs always have a service") }
        let settings = SettingsSet.merge(try settings.map { try $0.get() })
        let contents =
            try ECSTaskDefinitionRenderer
            .render(service: service, environment: environment, settings: settings, deliveryReferences: references)
        let secret =
            environment.ecs.insecurePlaintextSecrets
            ? settings.filter { $0.value.containsSecret }.map { "environment.\($0.variable)" } : []
        return RenderedOutput(kind: .ecsTaskDefinition, path: job.path, contents: contents, secretKeys: Set(secret))
    }

    /// Flattened JSON paths, the `environment` and `secrets` lists keyed by name (so that reordering is not a
    /// change); the whole document under `(document)` when it is not JSON.
    func diffEntries(in contents: String) -> [(String, String)] {
        guard let value = JSONValue(parsing: contents) else { return [("(document)", contents)] }
        var pairs: [(String, String)] = []
        Self.flatten(value, prefix: "", into: &pairs)
        return pairs
    }

    private static func flatten(_ value: JSONValue, prefix: String, into pairs: inout [(String, String)]) {
        switch value {
        case .object(let dictionary):
            for key in dictionary.keys.sorted() {
                flatten(dictionary[key] ?? .null, prefix: prefix.isEmpty ? key : "\(prefix).\(key)", into: &pairs)
            }
        case .array(let list):
            // Name/value lists (environment, secrets) are keyed by name so that reordering is not a change.
            let named = list.compactMap { item -> (name: String, rest: [String: JSONValue])? in
                guard case .object(let fields) = item, case .string(let name) = fields["name"] else { return nil }
                return (name, fields.filter { $0.key != "name" })
            }
            if !list.isEmpty, named.count == list.count {
                let field = prefix.split(separator: ".").last.map(String.init) ?? prefix
                for (name, rest) in named {
                    let shown = rest.count == 1 ? rest.first?.value ?? .null : .object(rest)
                    flatten(
                        shown,
                        prefix: field == "environment" || field == "secrets" ? "\(field).\(name)" : "\(prefix).\(name)",
                        into: &pairs
                    )
                }
            } else {
                for (index, item) in list.enumerated() { flatten(item, prefix: "\(prefix)[\(index)]", into: &pairs) }
            }
        default:
            pairs.append((prefix, value.scalarText ?? ""))
        }
    }
}
