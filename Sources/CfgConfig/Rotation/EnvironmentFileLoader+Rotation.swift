extension EnvironmentFileLoader {
    /// `rotation:`: `SECRET: { key, generator, every, keep, apply }`, keyed by declared secret names.
    static func parseRotation(
        _ node: ConfigNode,
        secrets: [SecretDeclaration]
    ) throws(ConfigError)
        -> [RotationPolicy]
    {
        var result: [RotationPolicy] = []
        for entry in try node.entries() {
            guard let secret = secrets.first(where: { $0.name == entry.key }) else {
                let declared = secrets.isEmpty ? "none" : secrets.map(\.name).joined(separator: ", ")
                throw ConfigError(
                    .unknownReference,
                    "rotation for \(shown(entry.key, otherwise: "a secret")) names no secret declared in 'secrets' "
                        + "(declared: \(declared))",
                    at: entry.keyPosition
                )
            }
            result.append(try parsePolicy(entry.value, secret: secret, position: entry.keyPosition))
        }
        return result
    }

    private static func parsePolicy(
        _ node: ConfigNode,
        secret: SecretDeclaration,
        position: ConfigPosition
    )
        throws(ConfigError) -> RotationPolicy
    {
        let fields = try node.mapping(allowed: ["key", "generator", "every", "keep", "apply"])
        var key: String?
        var declaredGenerator: GeneratorSpec?
        if let keyNode = fields["key"] {
            let name = try keyNode.nonEmptyString()
            if case .keys(let keys)? = secret.generation {
                guard let declared = keys.first(where: { $0.key == name }) else {
                    throw keyNode.error(
                        .unknownReference,
                        "key \(shown(name, otherwise: "name")) is not among the keys of secret '\(secret.name)'"
                    )
                }
                if case .generate(let spec) = declared.source { declaredGenerator = spec }
            }
            key = name
        } else if case .whole(let spec)? = secret.generation {
            declaredGenerator = spec
        }
        let generator: GeneratorSpec
        if let generatorNode = fields["generator"] {
            generator = try GeneratorSpecParser.parse(generatorNode)
        } else if let declaredGenerator {
            // The secret's own `generate` is the natural default.
            generator = declaredGenerator
        } else {
            throw fields.missing("generator")
        }
        let everyNode = try fields.required("every")
        guard let every = DurationSpec.seconds(from: try everyNode.string()) else {
            throw everyNode.error(
                .invalidValue,
                "\(everyNode.label) must be a duration: a positive integer and a unit s, m, h, d or w (like 90d)"
            )
        }
        let keep =
            try fields["keep"]?.int(in: 1...Int.max, expected: "an integer of at least 1")
            ?? (generator == .fernet ? 2 : 1)
        let apply = try fields["apply"].map { node throws(ConfigError) in try parseApply(node) } ?? .none
        return RotationPolicy(
            secret: secret.name,
            key: key,
            generator: generator,
            every: every,
            keep: keep,
            apply: apply,
            position: position
        )
    }

    /// The words `apply:` accepts besides `{ command: [...] }`.
    private enum ApplyWord: String, CaseIterable {
        case none, postgres, redis
    }

    /// `apply: none | postgres | redis | { command: [argv…] }`.
    private static func parseApply(_ node: ConfigNode) throws(ConfigError) -> RotationApply {
        if node.isMapping {
            let fields = try node.mapping(allowed: ["command"])
            return .command(try fields.required("command").nonEmptyStringList())
        }
        guard node.isNonNullScalar else {
            throw node.invalid(expected: "none, postgres, redis or a mapping with 'command'")
        }
        switch try node.word(ApplyWord.self, allowed: ApplyWord.allCases) {
        case .none: return .none
        case .postgres: return .postgres
        case .redis: return .redis
        }
    }
}
