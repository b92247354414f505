import CfgSuggestion

extension EnvironmentFileLoader {
    /// `rotation:`: `SECRET: { key, generator, every, keep, apply, overlap, confirm, after }`, keyed by declared secret
    /// names.
    static func parseRotation(
        _ node: ConfigNode,
        secrets: [SecretDeclaration]
    ) throws(ConfigError)
        -> [RotationPolicy]
    {
        var problems: [ConfigError] = []
        let result = try parseRotation(node, secrets: secrets, skipping: [], problems: &problems)
        if let first = problems.first { throw first }
        return result
    }

    /// Like ``parseRotation(_:secrets:)``, but the first problem of each policy is added to `problems`, and the
    /// other policies are still read. A policy for a secret in `skipping` (one with a problem of its own) is not
    /// read: it would only repeat that problem.
    ///
    /// - Throws: when `rotation` itself is not a mapping.
    static func parseRotation(
        _ node: ConfigNode,
        secrets: [SecretDeclaration],
        skipping: Set<String>,
        problems: inout [ConfigError]
    ) throws(ConfigError)
        -> [RotationPolicy]
    {
        var result: [RotationPolicy] = []
        for entry in try node.entries() where !skipping.contains(entry.key) {
            do throws(ConfigError) {
                guard let secret = secrets.first(where: { $0.name == entry.key }) else {
                    let declared = secrets.isEmpty ? "none" : secrets.map(\.name).joined(separator: ", ")
                    let suggestion =
                        Suggestion.closest(to: entry.key, among: secrets.map(\.name)).map { "did you mean '\($0)'? " }
                        ?? ""
                    throw ConfigError(
                        .unknownReference,
                        "rotation for \(shown(entry.key, otherwise: "a secret")) names no secret declared in 'secrets' "
                            + "(\(suggestion)declared: \(declared))",
                        at: entry.keyPosition
                    )
                }
                result.append(
                    try parsePolicy(entry.value, secret: secret, secrets: secrets, position: entry.keyPosition)
                )
            } catch {
                problems.append(error)
            }
        }
        return result
    }

    private static func parsePolicy(
        _ node: ConfigNode,
        secret: SecretDeclaration,
        secrets: [SecretDeclaration],
        position: ConfigPosition
    )
        throws(ConfigError) -> RotationPolicy
    {
        let fields = try node.mapping(
            allowed: ["key", "generator", "every", "keep", "apply", "overlap", "confirm", "after"]
        )
        var key: String?
        var declaredGenerator: GeneratorSpec?
        if let keyNode = fields["key"] {
            let name = try keyNode.nonEmptyString()
            if case .keys(let keys)? = secret.generation {
                guard let declared = keys.first(where: { $0.key == name }) else {
                    let suggestion =
                        Suggestion.closest(to: name, among: keys.map(\.key)).map { ": did you mean '\($0)'?" } ?? ""
                    throw keyNode.error(
                        .unknownReference,
                        "key \(shown(name, otherwise: "name")) is not among the keys of secret '\(secret.name)'"
                            + suggestion
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
        let every = try duration(try fields.required("every"))
        let keep =
            try fields["keep"]?.int(in: 1...Int.max, expected: "an integer of at least 1")
            ?? (generator == .fernet ? 2 : 1)
        let apply =
            try fields["apply"].map { node throws(ConfigError) in try parseApply(node, secrets: secrets) } ?? .none
        let overlap = try fields["overlap"].map { node throws(ConfigError) in try duration(node) }
        let confirm = try fields["confirm"].map { node throws(ConfigError) in try node.nonEmptyStringList() }
        if let confirmNode = fields["confirm"], generator != .fernet {
            throw confirmNode.error(
                .invalidValue,
                "\(confirmNode.label) confirms dropping old Fernet keys: it needs the fernet generator"
            )
        }
        let after = try fields["after"].map { node throws(ConfigError) in try node.nonEmptyStringList() }
        return RotationPolicy(
            secret: secret.name,
            key: key,
            generator: generator,
            every: every,
            keep: keep,
            apply: apply,
            overlap: overlap,
            confirm: confirm,
            after: after,
            position: position
        )
    }

    /// A duration field (`90d`, `2h`), in seconds.
    private static func duration(_ node: ConfigNode) throws(ConfigError) -> Int {
        guard let seconds = DurationSpec.seconds(from: try node.string()) else {
            throw node.error(
                .invalidValue,
                "\(node.label) must be a duration: a positive integer and a unit s, m, h, d or w (like 90d)"
            )
        }
        return seconds
    }

    /// The words `apply:` accepts besides a mapping.
    private enum ApplyWord: String, CaseIterable {
        case none, postgres, redis
    }

    /// `apply: none | postgres | redis | { postgres: {…} } | { redis: {…} } | { command: [argv…], test, retire }`.
    private static func parseApply(
        _ node: ConfigNode,
        secrets: [SecretDeclaration]
    ) throws(ConfigError) -> RotationApply {
        if node.isMapping {
            let fields = try node.mapping(allowed: ["command", "test", "retire", "postgres", "redis"])
            if let postgres = fields["postgres"] {
                try onlyField("postgres", of: fields, at: node)
                return .postgres(try parsePostgres(postgres, secrets: secrets))
            }
            if let redis = fields["redis"] {
                try onlyField("redis", of: fields, at: node)
                return .redis(try parseRedis(redis))
            }
            return .command(
                CommandApply(
                    apply: try fields.required("command").nonEmptyStringList(),
                    test: try fields["test"].map { node throws(ConfigError) in try node.nonEmptyStringList() },
                    retire: try fields["retire"].map { node throws(ConfigError) in try node.nonEmptyStringList() }
                )
            )
        }
        guard node.isNonNullScalar else {
            throw node.invalid(expected: "none, postgres, redis or a mapping with 'command', 'postgres' or 'redis'")
        }
        switch try node.word(ApplyWord.self, allowed: ApplyWord.allCases) {
        case .none: return .none
        case .postgres: return .postgres(PostgresApply())
        case .redis: return .redis(RedisApply())
        }
    }

    /// `postgres` or `redis` in `apply:` stands alone.
    private static func onlyField(_ name: String, of fields: ConfigMapping, at node: ConfigNode) throws(ConfigError) {
        let others = ["command", "test", "retire", "postgres", "redis"].filter { $0 != name && fields[$0] != nil }
        if let other = others.first {
            throw node.error(.invalidValue, "\(node.label) has both '\(name)' and '\(other)': choose one applier")
        }
    }

    private static func parsePostgres(
        _ node: ConfigNode,
        secrets: [SecretDeclaration]
    ) throws(ConfigError) -> PostgresApply {
        let fields = try node.mapping(
            allowed: ["strategy", "roles", "group", "admin", "host", "port", "database", "sslmode", "sslrootcert"]
        )
        var apply = PostgresApply()
        if let strategy = fields["strategy"] {
            apply.strategy = try strategy.word(PostgresApply.Strategy.self, allowed: PostgresApply.Strategy.allCases)
        }
        if let roles = fields["roles"] {
            apply.roles = try roles.nonEmptyStringList()
        }
        apply.group = try fields["group"]?.nonEmptyString()
        if let adminNode = fields["admin"] {
            let admin = try adminNode.nonEmptyString()
            guard secrets.contains(where: { $0.name == admin }) else {
                let declared = secrets.map(\.name).joined(separator: ", ")
                let suggestion =
                    Suggestion.closest(to: admin, among: secrets.map(\.name)).map { "did you mean '\($0)'? " } ?? ""
                throw adminNode.error(
                    .unknownReference,
                    "\(adminNode.label) names no secret declared in 'secrets' (\(suggestion)declared: \(declared))"
                )
            }
            apply.admin = admin
        }
        apply.host = try fields["host"]?.nonEmptyString()
        apply.port = try fields["port"]?.int(in: 1...65535, expected: "a port from 1 to 65535")
        apply.database = try fields["database"]?.nonEmptyString()
        apply.sslMode = try fields["sslmode"]?.nonEmptyString()
        apply.sslRootCert = try fields["sslrootcert"]?.nonEmptyString()
        if apply.strategy == .alternate {
            let rolesNode = try fields.required("roles")
            guard apply.roles.count == 2, apply.roles[0] != apply.roles[1] else {
                throw rolesNode.invalid(expected: "two different role names")
            }
            _ = try fields.required("admin")
        } else if let roles = fields["roles"] {
            throw roles.error(.invalidValue, "\(roles.label) is for strategy: alternate")
        }
        return apply
    }

    private static func parseRedis(_ node: ConfigNode) throws(ConfigError) -> RedisApply {
        let fields = try node.mapping(allowed: ["host", "port"])
        return RedisApply(
            host: try fields["host"]?.nonEmptyString(),
            port: try fields["port"]?.int(in: 1...65535, expected: "a port from 1 to 65535")
        )
    }
}
