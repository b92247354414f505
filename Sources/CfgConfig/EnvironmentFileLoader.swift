import CfgSecure
import FoundationEssentials

#if canImport(Glibc)
import Glibc
import CfgSuggestion
#endif

/// Loads and validates environment files (`environments/NAME.yaml`).
///
/// Validation is strict: an unknown field at any level, a missing required field, a wrong type, a duplicate or a
/// reference to something undeclared is an error with the file, line and column of the offending key or value.
/// Messages name fields and enum words, never values (a YAML file can hold a secret by mistake).
package enum EnvironmentFileLoader {
    /// The fields of the top-level mapping.
    static let topLevelFields = [
        "name", "airflow_version", "backend", "secrets", "values", "settings", "services", "ecs", "outputs", "exec",
        "run", "rotation", "files",
    ]

    /// Loads an environment by name or path.
    ///
    /// - Parameters:
    ///   - reference: a name (`dev` → `PROJECT/environments/dev.yaml`, or `.yml`), or a path (it contains `/` or
    ///     ends in `.yaml`/`.yml`; a relative path is relative to the current directory).
    ///   - projectDirectory: the project directory; relative paths inside the file resolve against it.
    /// - Throws: `ConfigError` (`fileNotFound` when there is no such file).
    package static func load(_ reference: String, projectDirectory: String) throws(ConfigError) -> EnvironmentFile {
        var problems: [ConfigError] = []
        if let environment = load(reference, projectDirectory: projectDirectory, problems: &problems) {
            return environment
        }
        throw problems.first ?? ConfigError(.invalidValue, "the environment file could not be loaded", at: nil)
    }

    /// Like ``load(_:projectDirectory:)``, but each top-level field's first problem is added to `problems` (in the
    /// order of ``parse(_:file:projectDirectory:defaultName:problems:)``) rather than only the file's first, so
    /// that `cfg check` reports independent mistakes in one run.
    ///
    /// - Returns: the environment, or nil when `problems` has at least one more problem.
    package static func load(
        _ reference: String,
        projectDirectory: String,
        problems: inout [ConfigError]
    ) -> EnvironmentFile? {
        let located: (text: String, file: String, defaultName: String)
        do {
            located = try locate(reference, projectDirectory: projectDirectory)
        } catch {
            problems.append(error)
            return nil
        }
        return parse(
            located.text,
            file: located.file,
            projectDirectory: projectDirectory,
            defaultName: located.defaultName,
            problems: &problems
        )
    }

    /// The text, shown name and default environment name of the file `reference` names.
    private static func locate(
        _ reference: String,
        projectDirectory: String
    ) throws(ConfigError) -> (text: String, file: String, defaultName: String) {
        let isPath = reference.contains("/") || reference.hasSuffix(".yaml") || reference.hasSuffix(".yml")
        if isPath {
            let fullPath =
                reference.hasPrefix("/")
                ? reference : FileManager.default.currentDirectoryPath + "/" + reference
            let fileName = reference.split(separator: "/").last.map(String.init) ?? reference
            let baseName =
                fileName.hasSuffix(".yaml")
                ? String(fileName.dropLast(5))
                : fileName.hasSuffix(".yml") ? String(fileName.dropLast(4)) : fileName
            guard let text = try read(fullPath, shownAs: reference) else {
                throw ConfigError(.fileNotFound, "environment file \(ConfigText.escaped(reference)) not found", at: nil)
            }
            return (text, reference, baseName)
        }
        guard NamePattern.isEnvironmentName(reference) else {
            throw ConfigError(
                .invalidValue,
                "'\(ConfigText.escaped(reference))' is not an environment name: use letters, digits, '_', '.' and '-', "
                    + "or give a path to the file",
                at: nil
            )
        }
        let project = projectDirectory.isEmpty ? "." : projectDirectory
        for fileExtension in ["yaml", "yml"] {
            let shown = "environments/\(reference).\(fileExtension)"
            let fullPath = project.hasSuffix("/") ? project + shown : project + "/" + shown
            if let text = try read(fullPath, shownAs: shown) {
                return (text, shown, reference)
            }
        }
        var message = "environment '\(reference)' not found: there is no environments/\(reference).yaml in \(project)"
        let known = environmentNames(in: project)
        if let close = Suggestion.closest(to: reference, among: known) {
            message += "; did you mean '\(close)'?"
        }
        if !known.isEmpty { message += " (environments: \(known.joined(separator: ", ")))" }
        throw ConfigError(.fileNotFound, message, at: nil)
    }

    /// The environments of a project: the names of `environments/*.yaml` and `*.yml`, sorted (at most 100 shown).
    private static func environmentNames(in project: String) -> [String] {
        let directory = project.hasSuffix("/") ? project + "environments" : project + "/environments"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        let names = entries.compactMap { entry -> String? in
            for suffix in [".yaml", ".yml"] where entry.hasSuffix(suffix) {
                let name = String(entry.dropLast(suffix.count))
                return NamePattern.isEnvironmentName(name) ? name : nil
            }
            return nil
        }
        return Array(Set(names).sorted().prefix(100))
    }

    /// The UTF-8 text of a regular file, or nil when there is none at `path`.
    ///
    /// At most ``YAMLComposer/maximumBytes`` bytes are read: a larger file (or `/dev/zero`) is refused, and so is
    /// anything but a regular file (a FIFO would block the read forever).
    private static func read(_ path: String, shownAs shown: String) throws(ConfigError) -> String? {
        let shownEscaped = ConfigText.escaped(shown)
        // O_NONBLOCK: opening a FIFO must not wait for a writer.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if descriptor < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw ConfigError(.fileNotFound, "\(shownEscaped) cannot be read: check its permissions", at: nil)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw ConfigError(.fileNotFound, "\(shownEscaped) cannot be read: check its permissions", at: nil)
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR:
            throw ConfigError(.fileNotFound, "\(shownEscaped) is a directory, not an environment file", at: nil)
        default:
            throw ConfigError(
                .fileNotFound,
                "\(shownEscaped) is not a regular file (a device, a FIFO or a socket); give a path to a YAML file",
                at: nil
            )
        }
        guard status.st_size <= YAMLComposer.maximumBytes else { throw YAMLComposer.tooLargeError(file: shown) }
        // Read to the end (the file may have grown since fstat), but never past one byte over the limit.
        let limit = YAMLComposer.maximumBytes + 1
        guard case .success(let bytes) = Descriptor.read(descriptor, upTo: limit, sizeHint: Int(status.st_size)) else {
            throw ConfigError(.fileNotFound, "\(shownEscaped) cannot be read: check its permissions", at: nil)
        }
        guard bytes.count <= YAMLComposer.maximumBytes else { throw YAMLComposer.tooLargeError(file: shown) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(.malformedYAML, "\(shownEscaped): the file is not valid UTF-8", at: nil)
        }
        return text
    }

    /// Parses and validates the text of an environment file.
    ///
    /// - Parameters:
    ///   - yaml: the file's text.
    ///   - file: the file's name in messages and positions (`environments/dev.yaml`).
    ///   - projectDirectory: stored in the result; relative paths resolve against it.
    ///   - defaultName: the environment's name when the file has no `name:` field.
    /// - Throws: `ConfigError` with the position of the first problem.
    package static func parse(
        _ yaml: String,
        file: String,
        projectDirectory: String,
        defaultName: String
    ) throws(ConfigError) -> EnvironmentFile {
        var problems: [ConfigError] = []
        let environment = parse(
            yaml,
            file: file,
            projectDirectory: projectDirectory,
            defaultName: defaultName,
            problems: &problems
        )
        if let environment { return environment }
        throw problems.first ?? ConfigError(.invalidValue, "the environment file could not be loaded", at: nil)
    }

    /// Parses and validates the text of an environment file, adding to `problems` each unknown top-level field, the
    /// first problem of each other top-level field and, in `secrets`, `services`, `outputs` and `rotation`, the first
    /// problem of each entry. A field that depends on one that failed as a whole (services, rotation and files on
    /// secrets) is not parsed, nor are outputs when a service has a problem, so no problem is reported twice.
    ///
    /// - Returns: the environment, or nil when a problem was added.
    package static func parse(
        _ yaml: String,
        file: String,
        projectDirectory: String,
        defaultName: String,
        problems: inout [ConfigError]
    ) -> EnvironmentFile? {
        let before = problems.count
        func attempt<T>(_ body: () throws(ConfigError) -> T) -> T? {
            do {
                return try body()
            } catch {
                problems.append(error)
                return nil
            }
        }
        guard let composed = attempt({ () throws(ConfigError) in try YAMLComposer.compose(yaml, file: file) })
        else { return nil }
        guard let rootNode = composed else {
            problems.append(
                ConfigError(
                    .missingField,
                    "missing field 'backend' in the environment (the file is empty)",
                    at: ConfigPosition(file: file, line: 1, column: 1)
                )
            )
            return nil
        }
        let root = ConfigNode(rootNode, path: "", file: file)
        guard root.isMapping else {
            problems.append(root.invalid(expected: "a mapping"))
            return nil
        }
        // An unknown top-level field is one problem; the known fields are still read.
        var unknown: [ConfigError] = []
        guard
            let fields = attempt({ () throws(ConfigError) in
                try root.mapping(allowed: topLevelFields, unknown: &unknown)
            })
        else { return nil }
        problems += unknown

        let name = attempt { () throws(ConfigError) in
            try environmentName(fields["name"], defaultName: defaultName, file: file)
        }
        let airflowVersion = attempt { () throws(ConfigError) in try fields["airflow_version"]?.nonEmptyString() }
        let backend = attempt { () throws(ConfigError) in try parseBackend(try fields.required("backend")) }
        // `secrets`, `services`, `outputs` and `rotation` report the first problem of each entry. A field that
        // reads another checks its references against every entry of it, broken ones included.
        var brokenSecrets: [String: ConfigPosition] = [:]
        let secrets = attempt { () throws(ConfigError) in
            try fields["secrets"].map { node throws(ConfigError) in
                try parseSecrets(node, problems: &problems, broken: &brokenSecrets)
            } ?? []
        }
        let values = attempt { () throws(ConfigError) in
            try fields["values"].map { node throws(ConfigError) in try parseValues(node) } ?? []
        }
        let settings = attempt { () throws(ConfigError) in
            try fields["settings"].map { node throws(ConfigError) in try parseTemplates(node) } ?? []
        }
        // References to a broken secret resolve to a stand-in, so that they are not reported a second time.
        let referable = secrets.map { declared in
            declared
                + brokenSecrets.sorted { $0.key < $1.key }.map { SecretDeclaration(name: $0, path: $0, position: $1) }
        }
        var servicesComplete = true
        let services = referable.flatMap { secrets in
            attempt { () throws(ConfigError) in
                try fields["services"].map { node throws(ConfigError) in
                    try parseServices(node, secrets: secrets, problems: &problems, complete: &servicesComplete)
                } ?? []
            }
        }
        let ecs = attempt { () throws(ConfigError) in
            try fields["ecs"].map { node throws(ConfigError) in try parseECS(node) } ?? ECSConfig()
        }
        // Outputs name services: they are read once every service is.
        let outputs = services.flatMap { services in
            servicesComplete
                ? attempt { () throws(ConfigError) in
                    try fields["outputs"].map { node throws(ConfigError) in
                        try parseOutputs(node, services: services, problems: &problems)
                    } ?? []
                } : nil
        }
        let rotation = referable.flatMap { secrets in
            attempt { () throws(ConfigError) in
                try fields["rotation"].map { node throws(ConfigError) in
                    try parseRotation(node, secrets: secrets, skipping: Set(brokenSecrets.keys), problems: &problems)
                } ?? []
            }
        }
        let exec = attempt { () throws(ConfigError) in
            try fields["exec"].map { node throws(ConfigError) in try parseExec(node) } ?? ExecConfig()
        }
        let run = attempt { () throws(ConfigError) in
            try fields["run"].map { node throws(ConfigError) in try parseRun(node) } ?? RunConfig()
        }
        let files = referable.flatMap { secrets in
            attempt { () throws(ConfigError) in
                try fields["files"].map { node throws(ConfigError) in try parseFiles(node, secrets: secrets) } ?? []
            }
        }

        guard problems.count == before, let name, let airflowVersion, let backend, let secrets, let values,
            let settings, let services, let ecs, let outputs, let rotation, let exec, let run, let files
        else { return nil }
        return EnvironmentFile(
            name: name,
            file: file,
            projectDirectory: projectDirectory,
            airflowVersion: airflowVersion,
            backend: backend,
            secrets: secrets,
            values: values,
            settings: settings,
            services: services,
            ecs: ecs,
            outputs: outputs,
            rotation: rotation,
            exec: exec,
            run: run,
            files: files
        )
    }

    /// `exec: { pass: [VAULT_TOKEN, …], secrets_dir: /dev/shm/cfg }`: variable names, an absolute path.
    private static func parseExec(_ node: ConfigNode) throws(ConfigError) -> ExecConfig {
        let fields = try node.mapping(allowed: ["pass", "secrets_dir"])
        var pass: [String] = []
        for (name, item) in try fields["pass"]?.stringOrList() ?? [] {
            guard isVariableName(name) else {
                throw item.invalid(expected: "an environment variable name")
            }
            pass.append(name)
        }
        var secretsDirectory = ExecConfig.defaultSecretsDirectory
        if let directoryNode = fields["secrets_dir"] {
            secretsDirectory = try directoryNode.nonEmptyString()
            guard secretsDirectory.hasPrefix("/"), !secretsDirectory.utf8.contains(0) else {
                throw directoryNode.invalid(expected: "an absolute path (a directory on tmpfs, such as /dev/shm/cfg)")
            }
        }
        return ExecConfig(pass: pass, secretsDirectory: secretsDirectory)
    }

    /// The `name:` field, or `defaultName`; either must be a valid environment name.
    private static func environmentName(
        _ node: ConfigNode?,
        defaultName: String,
        file: String
    ) throws(ConfigError)
        -> String
    {
        let rule = "start with a letter or digit and contain only letters, digits, '_', '.' and '-'"
        guard let node else {
            guard NamePattern.isEnvironmentName(defaultName) else {
                throw ConfigError(
                    .invalidValue,
                    "\(ConfigText.escaped(file)): the file name is not a valid environment name (it must \(rule)); add a 'name:' field",
                    at: nil
                )
            }
            return defaultName
        }
        let name = try node.string()
        guard NamePattern.isEnvironmentName(name) else {
            throw node.error(.invalidValue, "'name' must \(rule)")
        }
        return name
    }

    /// `values:`: any YAML, in file order.
    static func parseValues(_ node: ConfigNode) throws(ConfigError) -> [ConfigMapEntry] {
        var result: [ConfigMapEntry] = []
        for entry in try node.entries() {
            result.append(ConfigMapEntry(key: entry.key, value: try entry.value.value()))
        }
        return result
    }

    /// A template path or a list of them (`settings:`), each with its position.
    static func parseTemplates(_ node: ConfigNode) throws(ConfigError) -> [TemplateFile] {
        try node.stringOrList().map { TemplateFile(path: $0.text, position: $0.node.position) }
    }

    /// A name for messages: the name itself when it is a short printable name, else a neutral word.
    static func shown(_ name: String, otherwise: String) -> String {
        YAMLComposer.isPrintableName(name) ? "'\(name)'" : otherwise
    }
}
