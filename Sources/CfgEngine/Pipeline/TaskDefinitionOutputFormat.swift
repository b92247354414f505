import CfgConfig
import CfgRender
import CfgTemplate
import Foundation

/// `ecs-task-definition` outputs: one RegisterTaskDefinition input per service (the output's, or every service
/// with `{service}` in the path), secrets delivered by reference (`secrets[].valueFrom`).
struct TaskDefinitionOutputFormat: OutputFormat {
    func jobs(for output: OutputConfig, in environment: EnvironmentFile) -> [OutputJob] {
        let services = output.service.flatMap(environment.service(named:)).map { [$0] } ?? environment.services
        return services.map { service in
            OutputJob(
                output: output,
                path: output.path.replacingOccurrences(of: "{service}", with: service.name),
                service: service,
                templates: environment.settings + service.settings
            )
        }
    }

    func render(
        _ job: OutputJob,
        texts: [RenderedText],
        environment: EnvironmentFile,
        references: [SecretOrigin: String]
    ) throws -> RenderedOutput {
        guard let service = job.service else { preconditionFailure("ECS jobs always have a service") }
        let settings = SettingsSet.merge(try texts.map { try SettingsParser.parse($0) })
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
        guard let data = contents.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data)
        else { return [("(document)", contents)] }
        var pairs: [(String, String)] = []
        Self.flatten(object, prefix: "", into: &pairs)
        return pairs
    }

    private static func flatten(_ value: Any, prefix: String, into pairs: inout [(String, String)]) {
        switch value {
        case let dictionary as [String: Any]:
            for key in dictionary.keys.sorted() {
                flatten(dictionary[key] ?? NSNull(), prefix: prefix.isEmpty ? key : "\(prefix).\(key)", into: &pairs)
            }
        case let list as [Any]:
            // Name/value lists (environment, secrets) are keyed by name so that reordering is not a change.
            if let named = list as? [[String: Any]], named.allSatisfy({ $0["name"] is String }) {
                let field = prefix.split(separator: ".").last.map(String.init) ?? prefix
                for item in named {
                    let name = item["name"] as? String ?? ""
                    let rest = item.filter { $0.key != "name" }
                    let shown = rest.count == 1 ? rest.first?.value ?? NSNull() : rest
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
            pairs.append((prefix, "\(value)"))
        }
    }
}
