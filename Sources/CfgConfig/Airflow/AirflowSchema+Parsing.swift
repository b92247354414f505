extension AirflowSchema {
    /// Reads the generated text (format: the docstring of `dev/gen-airflow-schema.py`).
    ///
    /// The text is generated and tested, so a line this reader does not know is a generator bug: it is skipped,
    /// and `AirflowSchemaTests` checks that the parsed schema has the counts of the source files.
    init(parsing text: String) {
        var version = ""
        var sections: [String: [String: AirflowOption]] = [:]
        var moves: [AirflowOptionKey: AirflowMove] = [:]
        var unchecked: Set<String> = []
        var section = ""
        // Split as bytes: the table is ASCII, and splitting it by characters (grapheme clusters) made reading it
        // the largest part of a render's start.
        for rawLine in text.utf8.split(separator: UInt8(ascii: "\n")) {
            let words = rawLine.split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
            guard let first = words.first else { continue }
            if first == "version", words.count == 2 {
                version = words[1]
            } else if first.hasPrefix("["), first.hasSuffix("]") {
                section = String(first.dropFirst().dropLast())
                sections[section, default: [:]] = [:]
            } else if first == ">", words.count == 4, let from = Self.key(words[1]), let to = Self.key(words[2]) {
                moves[from] = AirflowMove(from: from, to: to, since: words[3])
            } else if first == "?", words.count == 2 {
                unchecked.insert(words[1])
            } else if words.count >= 2, let option = Self.option(words, section: section) {
                sections[section, default: [:]][option.key.option] = option
            }
        }
        self.version = version
        self.sections = sections
        self.moves = moves
        self.uncheckedSections = unchecked
    }

    /// `section.option` (sections have no dots in either schema).
    private static func key(_ text: String) -> AirflowOptionKey? {
        let parts = text.split(separator: ".", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        return AirflowOptionKey(section: String(parts[0]), option: String(parts[1]))
    }

    /// `name T[*][ +ADDED][ !DEPRECATED]`.
    private static func option(_ words: [String], section: String) -> AirflowOption? {
        var kind = Substring(words[1])
        let sensitive = kind.hasSuffix("*")
        if sensitive { kind = kind.dropLast() }
        let type: AirflowValueType
        switch kind {
        case "s": type = .string
        case "b": type = .boolean
        case "i": type = .integer
        case "f": type = .float
        default:
            guard kind.hasPrefix("e:") else { return nil }
            type = .enumeration(kind.dropFirst(2).split(separator: "|").map(String.init))
        }
        var option = AirflowOption(key: AirflowOptionKey(section: section, option: words[0]), type: type)
        option.isSensitive = sensitive
        for word in words.dropFirst(2) {
            if word.hasPrefix("+") { option.versionAdded = String(word.dropFirst()) }
            if word.hasPrefix("!") { option.versionDeprecated = String(word.dropFirst()) }
        }
        return option
    }
}
