extension EnvironmentFileLoader {
    /// `secrets:`: `NAME: path` or `NAME: { path, version, keys | generate }`, in file order.
    static func parseSecrets(_ node: ConfigNode) throws(ConfigError) -> [SecretDeclaration] {
        var problems: [ConfigError] = []
        var broken: [String: ConfigPosition] = [:]
        let result = try parseSecrets(node, problems: &problems, broken: &broken)
        if let first = problems.first { throw first }
        return result
    }

    /// Like ``parseSecrets(_:)``, but the first problem of each entry is added to `problems` and its name to
    /// `broken` (with the position of its key), and the other entries are still read.
    ///
    /// - Throws: when `secrets` itself is not a mapping.
    static func parseSecrets(
        _ node: ConfigNode,
        problems: inout [ConfigError],
        broken: inout [String: ConfigPosition]
    ) throws(ConfigError) -> [SecretDeclaration] {
        var result: [SecretDeclaration] = []
        for entry in try node.entries() {
            do throws(ConfigError) {
                guard NamePattern.isIdentifier(entry.key) else {
                    throw ConfigError(
                        .invalidValue,
                        "secret name \(shown(entry.key, otherwise: "in 'secrets'")) is not valid: "
                            + "use letters, digits and '_', not starting with a digit",
                        at: entry.keyPosition
                    )
                }
                result.append(try parseSecret(name: entry.key, node: entry.value, position: entry.keyPosition))
            } catch {
                problems.append(error)
                broken[entry.key] = entry.keyPosition
            }
        }
        return result
    }

    private static func parseSecret(
        name: String,
        node: ConfigNode,
        position: ConfigPosition
    ) throws(ConfigError)
        -> SecretDeclaration
    {
        if node.isNonNullScalar {
            return SecretDeclaration(name: name, path: try node.nonEmptyString(), position: position)
        }
        guard node.isMapping else {
            throw node.invalid(expected: "a path or a mapping with 'path'")
        }
        let fields = try node.mapping(allowed: ["path", "version", "dynamic", "keys", "generate"])
        let path = try fields.required("path").nonEmptyString()
        let version = try fields["version"]?.nonEmptyString()
        let dynamic = try fields["dynamic"]?.bool() ?? false
        if dynamic, let other = ["version", "keys", "generate"].first(where: { fields[$0] != nil }) {
            throw ConfigError(
                .invalidValue,
                "'\(other)' cannot be used with 'dynamic: true' in \(node.label): a leased secret is issued fresh "
                    + "by the backend on every read",
                at: fields.keyPosition(other) ?? node.position
            )
        }
        var generation: SecretGeneration?
        if let keys = fields["keys"] {
            if fields["generate"] != nil {
                throw ConfigError(
                    .invalidValue,
                    "'keys' and 'generate' in \(node.label) are mutually exclusive: "
                        + "'keys' makes a JSON secret, 'generate' a plain one",
                    at: fields.keyPosition("generate") ?? keys.position
                )
            }
            generation = .keys(try parseKeyGenerations(keys))
        } else if let generate = fields["generate"] {
            generation = .whole(try GeneratorSpecParser.parse(generate))
        }
        return SecretDeclaration(
            name: name,
            path: path,
            version: version,
            dynamic: dynamic,
            generation: generation,
            position: position
        )
    }

    /// `keys:`: each key of a JSON secret is `{ value: … }`, `{ generate: …, prefix: … }` or `{}` (set with `cfg set`),
    /// in file order.
    private static func parseKeyGenerations(_ node: ConfigNode) throws(ConfigError) -> [KeyGeneration] {
        let entries = try node.entries()
        guard !entries.isEmpty else { throw node.invalid(expected: "a non-empty mapping") }
        var result: [KeyGeneration] = []
        for entry in entries {
            let fields = try entry.value.mapping(allowed: ["value", "generate", "prefix"])
            switch (fields.raw("value"), fields.raw("generate")) {
            case (let value?, nil):
                if let prefix = fields["prefix"] {
                    throw prefix.error(.invalidValue, "\(prefix.label) is only used with 'generate'; remove it")
                }
                result.append(KeyGeneration(key: entry.key, source: .value(try value.value())))
            case (nil, let generate?):
                // `prefix: "flower:"` turns a generated password into Flower's `user:password`.
                let prefix = try fields["prefix"]?.string() ?? ""
                let spec = try GeneratorSpecParser.parse(generate)
                result.append(KeyGeneration(key: entry.key, source: .generate(spec), prefix: prefix))
            case (.some, .some):
                throw ConfigError(
                    .invalidValue,
                    "'value' and 'generate' in \(entry.value.label) are mutually exclusive",
                    at: fields.keyPosition("generate") ?? entry.keyPosition
                )
            case (nil, nil):
                // `KEY: {}` declares a key whose value `cfg set` stores; `prefix` alone is a mistake.
                if fields["prefix"] != nil {
                    throw ConfigError(
                        .missingField,
                        "missing field 'generate' in \(entry.value.label): 'prefix' is only used with 'generate'",
                        at: fields.keyPosition("prefix") ?? entry.value.position
                    )
                }
                result.append(KeyGeneration(key: entry.key, source: .unset))
            }
        }
        return result
    }
}
