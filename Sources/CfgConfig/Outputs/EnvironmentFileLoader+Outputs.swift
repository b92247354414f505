import CfgSuggestion

extension EnvironmentFileLoader {
    /// `outputs:`: a list of `{ kind, path, service, template }`.
    ///
    /// Paths are relative to the output directory and may not leave it; two outputs may not write the same file
    /// (a per-service ECS path counts once per declared service).
    static func parseOutputs(_ node: ConfigNode, services: [ServiceConfig]) throws(ConfigError) -> [OutputConfig] {
        var problems: [ConfigError] = []
        let result = try parseOutputs(node, services: services, problems: &problems)
        if let first = problems.first { throw first }
        return result
    }

    /// Like ``parseOutputs(_:services:)``, but the first problem of each output is added to `problems`, and the
    /// other outputs are still read.
    ///
    /// - Throws: when `outputs` itself is not a list.
    static func parseOutputs(
        _ node: ConfigNode,
        services: [ServiceConfig],
        problems: inout [ConfigError]
    ) throws(ConfigError) -> [OutputConfig] {
        var result: [OutputConfig] = []
        // Each written file, normalized, and the output that writes it.
        var written: [String: String] = [:]
        for item in try node.list() {
            do {
                result.append(try parseOutput(item, services: services, written: &written))
            } catch {
                problems.append(error)
            }
        }
        return result
    }

    /// One output, its files checked against (and added to) `written`.
    private static func parseOutput(
        _ item: ConfigNode,
        services: [ServiceConfig],
        written: inout [String: String]
    ) throws(ConfigError) -> OutputConfig {
        // The path itself is not echoed (a scalar from the file); the service says which expansion clashes.
        let output = try parseOutput(item, services: services)
        let files: [(path: String, service: String?)]
        if output.kind == .ecsTaskDefinition, output.service == nil, !services.isEmpty {
            files = services.map { (output.path.replacing("{service}", with: $0.name), $0.name) }
        } else {
            files = [(output.path, nil)]
        }
        for (file, service) in files {
            let key = normalized(file)
            if let previous = written[key] {
                let at = (try? item.mapping(allowed: outputFields))?["path"] ?? item
                let which = service.map { " (for service '\($0)')" } ?? ""
                throw at.error(
                    .duplicate,
                    "\(at.label)\(which) names a file that \(previous) already writes: give each output its own path"
                )
            }
            written[key] = item.path
        }
        return output
    }

    private static let outputFields = ["kind", "path", "service", "template"]

    private static func parseOutput(
        _ node: ConfigNode,
        services: [ServiceConfig]
    ) throws(ConfigError)
        -> OutputConfig
    {
        let fields = try node.mapping(allowed: outputFields)
        let kind = try fields.required("kind").word(OutputConfig.Kind.self, allowed: OutputConfig.Kind.allCases)
        var service: String?
        if let serviceNode = fields["service"] {
            let name = try serviceNode.nonEmptyString()
            guard services.contains(where: { $0.name == name }) else {
                let declared = services.isEmpty ? "none" : services.map(\.name).joined(separator: ", ")
                let suggestion =
                    Suggestion.closest(to: name, among: services.map(\.name)).map { "did you mean '\($0)'? " } ?? ""
                throw serviceNode.error(
                    .unknownReference,
                    "service \(shown(name, otherwise: "name")) in \(serviceNode.label) is not declared in 'services' "
                        + "(\(suggestion)declared: \(declared))"
                )
            }
            service = name
        }
        var template: TemplateFile?
        if kind == .file {
            let templateNode = try fields.required("template")
            template = TemplateFile(path: try templateNode.nonEmptyString(), position: templateNode.position)
        } else if let templateNode = fields["template"] {
            throw templateNode.error(
                .invalidValue,
                "\(templateNode.label) is only used by outputs of kind 'file'; remove it"
            )
        }
        let path: String
        if let pathNode = fields["path"] {
            path = try pathNode.nonEmptyString()
            try checkOutputPath(path, node: pathNode)
            if kind == .ecsTaskDefinition, service == nil, !path.contains("{service}") {
                throw pathNode.error(
                    .invalidValue,
                    "\(pathNode.label) must contain '{service}': without 'service' this output writes one file per "
                        + "service"
                )
            }
        } else if kind == .ecsTaskDefinition {
            path = service.map { "ecs/\($0).json" } ?? "ecs/{service}.json"
        } else {
            throw fields.missing("path")
        }
        return OutputConfig(kind: kind, path: path, service: service, template: template, position: node.position)
    }

    /// Rejects a path that is absolute or has a `..` segment: outputs stay inside the output directory.
    private static func checkOutputPath(_ path: String, node: ConfigNode) throws(ConfigError) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.hasPrefix("/"), !path.hasPrefix("~"), !segments.contains("..") else {
            throw node.error(
                .invalidValue,
                "output path escapes the output directory: \(node.label) must be relative, without '..' segments"
            )
        }
    }

    /// `a/./b//c` → `a/b/c`, so that two spellings of one file are caught as duplicates.
    private static func normalized(_ path: String) -> String {
        path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }
}
