extension EnvironmentFileLoader {
    /// `services:`: a list of names, or a mapping `NAME: { command, settings, ecs }`, in file order.
    static func parseServices(_ node: ConfigNode, secrets: [SecretDeclaration]) throws(ConfigError) -> [ServiceConfig] {
        var problems: [ConfigError] = []
        var complete = true
        let result = try parseServices(node, secrets: secrets, problems: &problems, complete: &complete)
        if let first = problems.first { throw first }
        return result
    }

    /// Like ``parseServices(_:secrets:)``, but the first problem of each service is added to `problems` (and
    /// `complete` set to false), and the other services are still read.
    ///
    /// - Throws: when `services` itself is neither a list nor a mapping.
    static func parseServices(
        _ node: ConfigNode,
        secrets: [SecretDeclaration],
        problems: inout [ConfigError],
        complete: inout Bool
    ) throws(ConfigError) -> [ServiceConfig] {
        var result: [ServiceConfig] = []
        func attempt(_ body: () throws(ConfigError) -> ServiceConfig) {
            do {
                result.append(try body())
            } catch {
                problems.append(error)
                complete = false
            }
        }
        if node.isList {
            var names: Set<String> = []
            for item in try node.list() {
                attempt { () throws(ConfigError) in
                    let name = try item.string()
                    guard names.insert(name).inserted else {
                        throw item.error(.duplicate, "service \(shown(name, otherwise: "name")) is listed twice")
                    }
                    return try parseService(name: name, node: nil, position: item.position, secrets: secrets)
                }
            }
            return result
        }
        guard node.isMapping else { throw node.invalid(expected: "a list of names or a mapping") }
        for entry in try node.entries() {
            attempt { () throws(ConfigError) in
                try parseService(name: entry.key, node: entry.value, position: entry.keyPosition, secrets: secrets)
            }
        }
        return result
    }

    private static func parseService(
        name: String,
        node: ConfigNode?,
        position: ConfigPosition,
        secrets: [SecretDeclaration]
    ) throws(ConfigError)
        -> ServiceConfig
    {
        guard NamePattern.isServiceName(name) else {
            throw ConfigError(
                .invalidValue,
                "service name \(shown(name, otherwise: "in 'services'")) is not valid: "
                    + "use lowercase letters, digits and '-', starting with a letter or digit",
                at: position
            )
        }
        let fields = try node?.optionalMapping(allowed: ["command", "settings", "ecs", "files"])
        let command: [String]
        if let commandNode = fields?["command"] {
            command = try commandNode.nonEmptyStringList()
        } else if let known = ServiceConfig.defaultCommand(for: name) {
            command = known
        } else {
            throw ConfigError(
                .missingField,
                "missing field 'command' for service '\(name)': only Airflow's own services have a default command",
                at: position
            )
        }
        let settings = try fields?["settings"].map { node throws(ConfigError) in try parseTemplates(node) } ?? []
        let ecs =
            try fields?["ecs"].map { node throws(ConfigError) in try parseServiceECS(node) } ?? ECSServiceConfig()
        let files =
            try fields?["files"].map { node throws(ConfigError) in try parseFiles(node, secrets: secrets) } ?? []
        return ServiceConfig(
            name: name,
            command: command,
            settings: settings,
            ecs: ecs,
            files: files,
            position: position
        )
    }

    /// `services.NAME.ecs`: per-service overrides of the ECS defaults.
    private static func parseServiceECS(_ node: ConfigNode) throws(ConfigError) -> ECSServiceConfig {
        let fields = try node.mapping(allowed: ["image", "cpu", "memory", "ports"])
        var ports: [Int] = []
        if let portsNode = fields["ports"] {
            for item in try portsNode.list() {
                ports.append(try item.int(in: 1...65_535, expected: "a port number from 1 to 65535"))
            }
        }
        return ECSServiceConfig(
            image: try fields["image"]?.nonEmptyString(),
            cpu: try fields["cpu"]?.int(in: 1...Int.max, expected: "a positive integer"),
            memory: try fields["memory"]?.int(in: 1...Int.max, expected: "a positive integer"),
            ports: ports
        )
    }

    /// `ecs.project_dir`: an absolute path inside the image, without `.` or `..` segments (the container's working
    /// directory must not change what it names) and without characters a path in an ECS `entryPoint` cannot hold.
    private static func parseProjectDirectory(_ node: ConfigNode) throws(ConfigError) -> String {
        let path = try node.nonEmptyString()
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        guard path.hasPrefix("/"), !segments.contains("."), !segments.contains(".."),
            !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else {
            throw node.error(
                .invalidValue,
                "\(node.label) must be an absolute path inside the image, without '.' or '..' segments or control "
                    + "characters (such as /opt/cfg, where the Dockerfile copies the project)"
            )
        }
        // `/opt/cfg/` and `/opt//cfg` name /opt/cfg: written the one way.
        return "/" + segments.joined(separator: "/")
    }

    /// `ecs:`: environment-wide defaults for task definitions.
    static func parseECS(_ node: ConfigNode) throws(ConfigError) -> ECSConfig {
        let fields = try node.mapping(allowed: [
            "family_prefix", "image", "execution_role_arn", "task_role_arn", "cpu", "memory", "log_group",
            "log_region", "cfg_path", "project_dir", "image_entrypoint", "insecure_plaintext_secrets",
        ])
        let imageEntrypoint = try fields["image_entrypoint"].map { (node) throws(ConfigError) -> [String] in
            var words: [String] = []
            for item in try node.list() { words.append(try item.nonEmptyString()) }
            return words
        }
        return ECSConfig(
            familyPrefix: try fields["family_prefix"]?.nonEmptyString(),
            image: try fields["image"]?.nonEmptyString(),
            executionRoleArn: try fields["execution_role_arn"]?.nonEmptyString(),
            taskRoleArn: try fields["task_role_arn"]?.nonEmptyString(),
            cpu: try fields["cpu"]?.int(in: 1...Int.max, expected: "a positive integer"),
            memory: try fields["memory"]?.int(in: 1...Int.max, expected: "a positive integer"),
            logGroup: try fields["log_group"]?.nonEmptyString(),
            logRegion: try fields["log_region"]?.nonEmptyString(),
            cfgPath: try fields["cfg_path"]?.nonEmptyString(),
            projectDirectory: try fields["project_dir"].map(parseProjectDirectory) ?? ECSConfig.defaultProjectDirectory,
            imageEntrypoint: imageEntrypoint,
            insecurePlaintextSecrets: try fields["insecure_plaintext_secrets"]?.bool() ?? false
        )
    }
}
