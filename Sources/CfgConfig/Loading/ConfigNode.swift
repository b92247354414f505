import CfgSuggestion

/// A YAML node of an environment file, with its position and its dotted path, read through typed accessors.
///
/// Every section of the loader reads the file through this type, so strictness is written once: a wrong type
/// becomes an `invalidValue` error at the node's position that names the field and the expected type (and the
/// kind of node found, never its text); an unknown key becomes an `unknownField` error listing the allowed ones.
struct ConfigNode {
    /// The composed node.
    let node: YAMLNode
    /// The field's dotted path for messages (`secrets.db.path`, `outputs[2].kind`); empty for the document root.
    let path: String
    /// Where the node starts.
    let position: ConfigPosition

    init(_ node: YAMLNode, path: String, file: String) {
        self.node = node
        self.path = path
        self.position = ConfigPosition(file: file, line: node.mark.line, column: node.mark.column)
    }

    /// The field as messages name it: `'secrets.db'`, or `the environment` for the root.
    var label: String { path.isEmpty ? "the environment" : "'\(path)'" }

    /// A child node at `path.component`; a key that does not look like a name is named by its position.
    func child(_ node: YAMLNode, key: String, keyPosition: ConfigPosition) -> ConfigNode {
        let component = ConfigText.pathComponent(key, at: keyPosition)
        return ConfigNode(node, path: path.isEmpty ? component : "\(path).\(component)", file: position.file)
    }

    /// A child node at `path[index]`.
    func child(_ node: YAMLNode, index: Int) -> ConfigNode {
        ConfigNode(node, path: "\(path)[\(index)]", file: position.file)
    }

    /// A scalar's resolved YAML tag; nil for a collection.
    private var tag: YAMLTag? {
        if case .scalar(let scalar) = node { return scalar.tag }
        return nil
    }

    /// True for a mapping.
    var isMapping: Bool {
        if case .mapping = node { return true }
        return false
    }

    /// True for a list.
    var isList: Bool {
        if case .sequence = node { return true }
        return false
    }

    /// True for a scalar other than null.
    var isNonNullScalar: Bool {
        if case .scalar = node { return !isNull }
        return false
    }

    /// True for an explicit null (`~`, `null`, or nothing after the colon).
    var isNull: Bool {
        tag == .null
    }

    /// What kind of node this is, for messages: never the node's text.
    var kindDescription: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar):
            switch scalar.tag {
            case .null: return "null"
            case .bool: return "a boolean"
            case .int, .float: return "a number"
            default: return "a string"
            }
        }
    }

    /// An `invalidValue` error at this node: `'ecs.cpu' must be a positive integer (found a string)`.
    func invalid(expected: String) -> ConfigError {
        ConfigError(.invalidValue, "\(label) must be \(expected) (found \(kindDescription))", at: position)
    }

    /// An error at this node with a custom sentence.
    func error(_ code: ConfigError.Code, _ message: String) -> ConfigError {
        ConfigError(code, message, at: position)
    }

    // MARK: Scalars

    /// The scalar's text as written. Numbers are accepted and kept as written (`3.10` stays `"3.10"`); null,
    /// booleans and collections are not strings.
    func string() throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node,
            scalar.tag != .null, scalar.tag != .bool
        else { throw invalid(expected: "a string") }
        return scalar.string
    }

    /// Like `string()`, and the text must not be empty.
    func nonEmptyString() throws(ConfigError) -> String {
        let text = try string()
        guard !text.isEmpty else { throw invalid(expected: "a non-empty string") }
        return text
    }

    /// An integer written as a YAML integer (not quoted).
    func int() throws(ConfigError) -> Int {
        guard case .scalar(let scalar) = node, scalar.tag == .int, let value = YAMLScalarTypes.int(scalar)
        else { throw invalid(expected: "an integer") }
        return value
    }

    /// An integer in `range`; `expected` describes the range for the message (`an integer from 8 to 1024`).
    func int(in range: ClosedRange<Int>, expected: String) throws(ConfigError) -> Int {
        guard case .scalar(let scalar) = node, scalar.tag == .int,
            let value = YAMLScalarTypes.int(scalar), range.contains(value)
        else { throw invalid(expected: expected) }
        return value
    }

    /// A YAML boolean (`true`/`false`).
    func bool() throws(ConfigError) -> Bool {
        guard case .scalar(let scalar) = node, scalar.tag == .bool,
            let value = YAMLScalarTypes.bool(scalar)
        else { throw invalid(expected: "true or false") }
        return value
    }

    /// One word of a closed set (`local`, `vault`, `aws`); the message lists the allowed words, not the value.
    func word<Word: RawRepresentable>(_ type: Word.Type, allowed: [Word]) throws(ConfigError) -> Word
    where Word.RawValue == String {
        let expected = "one of: " + allowed.map(\.rawValue).joined(separator: ", ")
        guard case .scalar(let scalar) = node, scalar.tag != .null,
            let value = Word(rawValue: scalar.string)
        else { throw invalid(expected: expected) }
        return value
    }

    // MARK: Collections

    /// The items of a list.
    func list() throws(ConfigError) -> [ConfigNode] {
        guard case .sequence(let sequence, _, _) = node else { throw invalid(expected: "a list") }
        return sequence.enumerated().map { child($0.element, index: $0.offset) }
    }

    /// A single string or a list of strings (`settings: a.tmpl` or `settings: [a.tmpl, b.tmpl]`).
    func stringOrList() throws(ConfigError) -> [(text: String, node: ConfigNode)] {
        if case .sequence = node {
            var result: [(text: String, node: ConfigNode)] = []
            for item in try list() {
                result.append((try item.nonEmptyString(), item))
            }
            return result
        }
        guard case .scalar = node, !isNull else { throw invalid(expected: "a string or a list of strings") }
        return [(try nonEmptyString(), self)]
    }

    /// A non-empty list of strings (a command's argv).
    func nonEmptyStringList() throws(ConfigError) -> [String] {
        guard case .sequence = node else { throw invalid(expected: "a non-empty list of strings") }
        var result: [String] = []
        for item in try list() {
            result.append(try item.string())
        }
        guard !result.isEmpty else { throw invalid(expected: "a non-empty list of strings") }
        return result
    }

    /// The entries of an open mapping (names chosen by the user), in file order, with each key's position.
    func entries() throws(ConfigError) -> [ConfigEntry] {
        guard case .mapping(let mapping, _, _) = node else { throw invalid(expected: "a mapping") }
        var result: [ConfigEntry] = []
        for pair in mapping {
            let (keyNode, valueNode) = (pair.key, pair.value)
            let keyReader = ConfigNode(keyNode, path: path, file: position.file)
            guard case .scalar(let scalar) = keyNode else {
                throw keyReader.error(
                    .invalidValue,
                    "keys in \(label) must be strings (found \(keyReader.kindDescription))"
                )
            }
            result.append(
                ConfigEntry(
                    key: scalar.string,
                    keyPosition: keyReader.position,
                    value: child(valueNode, key: scalar.string, keyPosition: keyReader.position)
                )
            )
        }
        return result
    }

    /// A mapping with a closed set of fields: any other key is an `unknownField` error at that key.
    func mapping(allowed: [String]) throws(ConfigError) -> ConfigMapping {
        let entries = try entries()
        if let entry = entries.first(where: { !allowed.contains($0.key) }) {
            throw unknownField(entry, allowed: allowed)
        }
        return ConfigMapping(node: self, entries: entries)
    }

    /// Like `mapping(allowed:)`, but each unknown key is added to `unknown` and left out of the result, so that
    /// the known fields are still read.
    func mapping(allowed: [String], unknown: inout [ConfigError]) throws(ConfigError) -> ConfigMapping {
        let entries = try entries()
        for entry in entries where !allowed.contains(entry.key) {
            unknown.append(unknownField(entry, allowed: allowed))
        }
        return ConfigMapping(node: self, entries: entries.filter { allowed.contains($0.key) })
    }

    /// `unknown field 'sevices' in the environment: did you mean 'services'? (expected one of: …)`.
    private func unknownField(_ entry: ConfigEntry, allowed: [String]) -> ConfigError {
        let expected = allowed.sorted().joined(separator: ", ")
        let suggestion = Suggestion.closest(to: entry.key, among: allowed).map { ": did you mean '\($0)'?" } ?? ""
        return ConfigError(
            .unknownField,
            "unknown field \(ConfigText.key(entry.key, at: entry.keyPosition)) in \(label)\(suggestion) "
                + "(expected one of: \(expected))",
            at: entry.keyPosition
        )
    }

    /// Like `mapping(allowed:)`, but a null value (`scheduler:` with nothing after it) reads as an empty mapping.
    func optionalMapping(allowed: [String]) throws(ConfigError) -> ConfigMapping {
        if isNull { return ConfigMapping(node: self, entries: []) }
        return try mapping(allowed: allowed)
    }

    /// Any YAML, as a plain value: scalars by their resolved type, collections in file order.
    func value() throws(ConfigError) -> ConfigValue {
        switch node {
        case .scalar(let scalar):
            switch scalar.tag {
            case .null: return .null
            case .bool: return YAMLScalarTypes.bool(scalar).map(ConfigValue.bool) ?? .string(scalar.string)
            case .int: return YAMLScalarTypes.int(scalar).map(ConfigValue.integer) ?? .string(scalar.string)
            case .float: return YAMLScalarTypes.double(scalar).map(ConfigValue.double) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence:
            var items: [ConfigValue] = []
            for item in try list() {
                items.append(try item.value())
            }
            return .list(items)
        case .mapping:
            var result: [ConfigMapEntry] = []
            for entry in try entries() {
                result.append(ConfigMapEntry(key: entry.key, value: try entry.value.value()))
            }
            return .map(result)
        }
    }
}
