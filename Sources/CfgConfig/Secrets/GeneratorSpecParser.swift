/// Reads a generator spec (`keys.*.generate`, a secret's `generate`, `rotation.*.generator`).
///
/// Forms:
/// - a word: `fernet`, `password` (32 characters, all four classes), `hex`, `base64` or `base64url` (32 bytes);
/// - a mapping with exactly one of `fernet: {}` (or null), `password: { length, classes, exclude, profile }`,
///   `bytes: { length, encoding }`.
enum GeneratorSpecParser {
    /// The words and keys a generator can be.
    private static let kinds = ["fernet", "password", "bytes"]
    private static let words = ["fernet", "password", "hex", "base64", "base64url"]

    /// The spec `node` describes.
    static func parse(_ node: ConfigNode) throws(ConfigError) -> GeneratorSpec {
        if node.isNonNullScalar {
            return try parseWord(node)
        }
        let entries = try mappingOrError(node)
        guard let entry = entries.first, entries.count == 1 else {
            throw node.error(
                .invalidValue,
                "\(node.label) must name exactly one generator (one of: \(kinds.joined(separator: ", ")))"
            )
        }
        switch entry.key {
        case "fernet":
            // `fernet: {}` or `fernet:` (null): the Fernet generator has no options.
            _ = try entry.value.optionalMapping(allowed: [])
            return .fernet
        case "password":
            return .password(try parsePassword(entry.value))
        case "bytes":
            return try parseBytes(entry.value)
        default:
            throw ConfigError(
                .unknownField,
                "unknown generator \(ConfigText.key(entry.key, at: entry.keyPosition)) in \(node.label) "
                    + "(expected one of: \(kinds.joined(separator: ", ")))",
                at: entry.keyPosition
            )
        }
    }

    private static func mappingOrError(_ node: ConfigNode) throws(ConfigError) -> [ConfigEntry] {
        guard node.isMapping else {
            throw node.invalid(expected: "a generator (\(words.joined(separator: ", ")), or a mapping)")
        }
        return try node.entries()
    }

    private static func parseWord(_ node: ConfigNode) throws(ConfigError) -> GeneratorSpec {
        switch try node.string() {
        case "fernet": return .fernet
        case "password": return .password(PasswordPolicy())
        case "hex": return .bytes(length: 32, encoding: .hex)
        case "base64": return .bytes(length: 32, encoding: .base64)
        case "base64url": return .bytes(length: 32, encoding: .base64url)
        default:
            throw node.error(
                .invalidValue,
                "\(node.label) is not a known generator (expected one of: \(words.joined(separator: ", ")))"
            )
        }
    }

    /// Characters of each class, for checking that `exclude` leaves every listed class usable.
    static func characters(of characterClass: CharacterClass) -> String {
        switch characterClass {
        case .lower: "abcdefghijklmnopqrstuvwxyz"
        case .upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        case .digits: "0123456789"
        case .symbols: "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
        }
    }

    private static func parsePassword(_ node: ConfigNode) throws(ConfigError) -> PasswordPolicy {
        let fields = try node.optionalMapping(allowed: ["length", "classes", "exclude", "profile"])
        var policy = PasswordPolicy()
        if let length = fields["length"] {
            policy.length = try length.int(in: 8...1024, expected: "an integer from 8 to 1024")
        }
        if let exclude = fields["exclude"] {
            policy.exclude = try exclude.string()
        }
        if let profileNode = fields["profile"] {
            if fields["classes"] != nil {
                throw ConfigError(
                    .invalidValue,
                    "'profile' and 'classes' in \(node.label) are mutually exclusive: use one",
                    at: fields.keyPosition("classes") ?? profileNode.position
                )
            }
            switch try profileNode.word(PasswordProfile.self, allowed: PasswordProfile.allCases) {
            case .uriSafe: policy.classes = PasswordPolicy.uriSafe(length: policy.length).classes
            case .strong: policy.classes = CharacterClass.allCases
            }
        }
        if let classesNode = fields["classes"] {
            var classes: [CharacterClass] = []
            for item in try classesNode.list() {
                let characterClass = try item.word(CharacterClass.self, allowed: CharacterClass.allCases)
                guard !classes.contains(characterClass) else {
                    throw item.error(.duplicate, "character class '\(characterClass.rawValue)' is listed twice")
                }
                classes.append(characterClass)
            }
            guard !classes.isEmpty else { throw classesNode.invalid(expected: "a non-empty list of character classes") }
            policy.classes = classes
        }
        for characterClass in policy.classes
        where characters(of: characterClass).allSatisfy({ policy.exclude.contains($0) }) {
            throw (fields["exclude"] ?? node).error(
                .invalidValue,
                "'exclude' removes every character of class '\(characterClass.rawValue)' in \(node.label)"
            )
        }
        return policy
    }

    private static func parseBytes(_ node: ConfigNode) throws(ConfigError) -> GeneratorSpec {
        let fields = try node.optionalMapping(allowed: ["length", "encoding"])
        let length = try fields["length"]?.int(in: 1...1024, expected: "an integer from 1 to 1024") ?? 32
        let encoding = try fields["encoding"]?.word(ByteEncoding.self, allowed: ByteEncoding.allCases) ?? .hex
        return .bytes(length: length, encoding: encoding)
    }
}

/// `profile:` of a password generator: a named set of character classes.
private enum PasswordProfile: String, CaseIterable {
    /// Letters and digits: safe in URIs, shells and connection strings without encoding.
    case uriSafe = "uri-safe"
    /// All four classes.
    case strong
}
