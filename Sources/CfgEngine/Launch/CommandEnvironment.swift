package import CfgConfig
package import CfgRender
import CfgTemplate

/// The environment `cfg exec` hands to the command: the process's own, without cfg's credentials, overlaid with
/// the service's settings. Pure, so every rule is tested without starting a process.
package enum CommandEnvironment {
    /// cfg's own credentials: the child does not get them unless the environment file lists them in `exec.pass`.
    /// (AWS container and web-identity variables stay: they point at the task's role, which Airflow itself uses
    /// for S3 logs and AWS connections.)
    package static let credentialVariables: Set<String> = [
        "VAULT_TOKEN", "BAO_TOKEN", "CFG_LOCAL_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
    ]

    /// The variables that hold cfg's credentials for this environment: the standard ones plus those its Vault
    /// login names (`role_id_env`, `secret_id_env`).
    package static func credentials(of environment: EnvironmentFile) -> Set<String> {
        var names = credentialVariables
        if case .vault(let vault) = environment.backend, case .appRole(_, let roleID, let secretID)? = vault.auth {
            if case .variable(let name) = roleID { names.insert(name) }
            if case .variable(let name)? = secretID { names.insert(name) }
        }
        return names
    }

    /// The variables the task definition sets itself, from its marker (``TaskDefinitionVariables``) in cfg's own
    /// environment; nil without the marker (cfg then computes every setting).
    ///
    /// - Throws: `.configuration` when the marker is not a list of names, or lists a variable the environment does
    ///   not have (ECS sets all of a task definition's variables, so the process was not started by it).
    package static func carriedVariables(in inherited: [String: String]) throws(EngineError) -> Set<String>? {
        guard let marker = inherited[TaskDefinitionVariables.variable] else { return nil }
        let names: Set<String>
        do {
            names = try TaskDefinitionVariables.names(in: marker)
        } catch {
            throw EngineError(.configuration, error.description)
        }
        let missing = names.filter { inherited[$0] == nil }.sorted()
        guard missing.isEmpty else {
            throw EngineError(
                .configuration,
                "\(TaskDefinitionVariables.variable) says the task definition sets \(missing.joined(separator: ", ")), "
                    + "but the environment has no such variable; start the container from the task definition as "
                    + "rendered, or unset \(TaskDefinitionVariables.variable) to compute every setting."
            )
        }
        return names
    }

    /// The child's environment, sorted by name.
    ///
    /// - Parameters:
    ///   - settings: the service's resolved settings (they win over inherited variables of the same name).
    ///   - inherited: cfg's own process environment.
    ///   - withhold: variables not to pass on (cfg's credentials), unless listed in `pass`.
    /// - Throws: `.validation` for an invalid variable name or a NUL in a value, naming the variable.
    package static func build(
        settings: [Setting],
        inherited: [String: String],
        withhold: Set<String>,
        pass: Set<String>
    ) throws(EngineError) -> [(name: String, value: String)] {
        var result = inherited.filter { !withhold.contains($0.key) || pass.contains($0.key) }
        var problems: [String] = []
        for setting in settings {
            guard Setting.isValidVariableName(setting.variable) else {
                problems.append(
                    "\(setting.position): \"\(setting.variable)\" is not a valid environment variable name."
                )
                continue
            }
            // A Swift String holding a secret value (not zeroable): it becomes the command's environment.
            let value = setting.value.text
            guard !value.utf8.contains(0) else {
                problems.append(
                    "\(setting.position): the value of \(setting.variable) contains a NUL character, which no "
                        + "environment variable can hold."
                )
                continue
            }
            result[setting.variable] = value
        }
        if !problems.isEmpty { throw EngineError(.validation, problems) }
        return result.map { (name: $0.key, value: $0.value) }
            .sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    /// Linux's limit on one argument or environment string (`MAX_ARG_STRLEN`, 32 pages).
    package static let maxStringLength = 32 * 4096

    /// Checks the environment and arguments against the kernel's limits before `execve`, which would otherwise
    /// fail with a bare `E2BIG`.
    ///
    /// - Parameters:
    ///   - argMax: the total limit for arguments and environment (`sysconf(_SC_ARG_MAX)`).
    /// - Throws: `.validation` naming the largest variables (names and sizes only).
    package static func checkSize(
        _ environment: [(name: String, value: String)],
        arguments: [String],
        argMax: Int
    ) throws(EngineError) {
        let pointer = MemoryLayout<UnsafeRawPointer>.size
        // Each string costs its bytes, a NUL and a pointer in the vector; each vector ends with a NULL pointer.
        let entries = environment.map { (name: $0.name, size: $0.name.utf8.count + 1 + $0.value.utf8.count + 1) }
        let total =
            entries.reduce(0) { $0 + $1.size + pointer } + arguments.reduce(0) { $0 + $1.utf8.count + 1 + pointer }
            + 2 * pointer
        let largest = entries.sorted { $0.size > $1.size }.prefix(3)
            .map { "\($0.name) (\($0.size) bytes)" }.joined(separator: ", ")
        if let tooLong = entries.first(where: { $0.size > maxStringLength }) {
            throw EngineError(
                .validation,
                "The variable \(tooLong.name) is \(tooLong.size) bytes, over the kernel's limit of \(maxStringLength) "
                    + "bytes for one environment string; deliver it as a file instead."
            )
        }
        guard total <= argMax else {
            throw EngineError(
                .validation,
                "The command's environment and arguments take \(total) bytes, over the kernel's limit of \(argMax) "
                    + "bytes; the largest variables: \(largest)."
            )
        }
    }
}
