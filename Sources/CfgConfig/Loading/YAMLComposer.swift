import CLibYAML

/// Composes YAML text into ``YAMLNode``s from libyaml's event parser and turns libyaml's errors into
/// `ConfigError`s.
///
/// Only libyaml's problem sentence (a fixed text such as "found unexpected end of stream") and the position are
/// kept from an error, never the text around it: a YAML file can hold a secret by mistake.
///
/// Environment files are bounded while they are composed, before anything large is built: at most
/// ``maximumBytes`` bytes, collections nested at most ``maximumDepth`` deep, and no anchors or aliases (an alias
/// can stand for a collection of aliases: a 1 KB "billion laughs" expands to gigabytes). An anchor or an alias is
/// refused at its event, and a collection too deep at its start, so no alias is ever resolved and the tree never
/// grows deeper than the limit. Plain scalars are typed by ``YAMLScalarTypes`` (YAML 1.1, as Yams typed them).
enum YAMLComposer {
    /// The largest environment file accepted, in bytes (1 MiB).
    package static let maximumBytes = 1 << 20
    /// How deep collections may nest (the document's root mapping is level 1).
    package static let maximumDepth = 64

    /// The single document of `text`, or nil for an empty stream.
    static func compose(_ text: String, file: String) throws(ConfigError) -> YAMLNode? {
        guard text.utf8.count <= maximumBytes else { throw tooLargeError(file: file) }
        var utf8 = text
        let result = utf8.withUTF8 { buffer in
            Result { () throws(ConfigError) -> YAMLNode? in
                var composition = Composition(text: text, file: file)
                return try composition.run(buffer)
            }
        }
        return try result.get()
    }

    /// The `tooLarge` error for a file over ``maximumBytes``.
    static func tooLargeError(file: String) -> ConfigError {
        ConfigError(
            .tooLarge,
            "\(ConfigText.escaped(file)) is larger than \(maximumBytes) bytes (1 MiB), the most an environment file "
                + "may hold; split it or move data to templates",
            at: nil
        )
    }

    /// The error for an anchor or an alias at a position.
    static func anchorError(at mark: YAMLMark, file: String) -> ConfigError {
        ConfigError(
            .unsupportedYAML,
            "anchors and aliases are not supported in environment files; repeat the value "
                + "(quote a value that starts with '*' or '&')",
            at: ConfigPosition(file: file, line: mark.line, column: mark.column)
        )
    }

    /// The `tooLarge` error for collections nested deeper than ``maximumDepth``.
    static func depthError(at position: ConfigPosition) -> ConfigError {
        ConfigError(
            .tooLarge,
            "collections are nested more than \(maximumDepth) levels deep here; flatten the structure",
            at: position
        )
    }

    /// The `ConfigError` for libyaml's error: position and problem only, never the text around it.
    fileprivate static func parserError(_ parser: yaml_parser_t, text: String, file: String) -> ConfigError {
        func position(_ mark: yaml_mark_t) -> ConfigPosition {
            ConfigPosition(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
        }
        guard let problemText = parser.problem else {
            return ConfigError(.malformedYAML, "\(ConfigText.escaped(file)): malformed YAML", at: nil)
        }
        let problem = String(cString: problemText)
        switch parser.error {
        case YAML_READER_ERROR:
            // The problem's byte offset, as a position when it falls on a character boundary.
            let at = text.utf8.index(
                text.utf8.startIndex,
                offsetBy: parser.problem_offset,
                limitedBy: text.utf8.endIndex
            )
            .flatMap { $0.samePosition(in: text) }
            .map {
                lineAndColumn(ofCharacterOffset: text.distance(from: text.startIndex, to: $0), in: text, file: file)
            }
            return ConfigError(.malformedYAML, "malformed YAML: \(problem)", at: at)
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR:
            // A libyaml built with a nesting limit stops at 1000 levels with a sentence about its own API: say what
            // cfg's limit is instead (cfg's own limit answers first).
            if problem.hasPrefix("Maximum nesting level reached") {
                return depthError(at: position(parser.problem_mark))
            }
            var message = "malformed YAML: \(problem)"
            if let context = parser.context {
                let mark = parser.context_mark
                message += " (\(String(cString: context)) at line \(mark.line + 1), column \(mark.column + 1))"
            }
            return ConfigError(.malformedYAML, message, at: position(parser.problem_mark))
        default:
            return ConfigError(.malformedYAML, "\(ConfigText.escaped(file)): malformed YAML", at: nil)
        }
    }

    /// A `duplicate` error for a mapping that repeats a key.
    ///
    /// The message names the first occurrence; the error points at the second one when it can be found (the same
    /// key at the same column further down the same block mapping), else at the first.
    static func duplicateKeyError(key: YAMLNode, text: String, file: String) -> ConfigError {
        let name: String
        if case .scalar(let scalar) = key { name = scalar.string } else { name = "<uncovertable>" }
        // Keys are field and secret names; anything else is not echoed.
        let shown = isPrintableName(name) ? "'\(name)'" : "a key"
        let first = ConfigPosition(file: file, line: key.mark.line, column: key.mark.column)
        let second = secondOccurrence(of: name, after: first, in: text)
        let message =
            "duplicate key \(shown) in a mapping (first written at line \(first.line), column \(first.column))"
        return ConfigError(.duplicate, message, at: second ?? first)
    }

    /// Whether a key may appear in a message: see ``ConfigText/isShownName(_:)``.
    static func isPrintableName(_ text: String) -> Bool { ConfigText.isShownName(text) }

    /// The next line at the same column that starts with `key:` (plain or quoted) before the block ends.
    private static func secondOccurrence(
        of key: String,
        after first: ConfigPosition,
        in text: String
    )
        -> ConfigPosition?
    {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        let column = first.column - 1
        guard first.line - 1 < lines.count else { return nil }
        let spellings = [key, "\"\(key)\"", "'\(key)'"].map { Array($0.unicodeScalars) }
        for index in first.line..<lines.count {
            let line = lines[index]
            let indent = line.prefix { $0 == " " || $0 == "-" }.count
            let content = line.dropFirst(indent)
            if content.isEmpty || content.first == "#" { continue }
            // A line that starts left of the key's column closes the mapping.
            if indent < column { return nil }
            guard indent == column else { continue }
            for spelling in spellings where content.starts(with: spelling) {
                let rest = content.dropFirst(spelling.count).drop { $0 == " " }
                if rest.first == ":" {
                    return ConfigPosition(file: first.file, line: index + 1, column: column + 1)
                }
            }
        }
        return nil
    }

    /// The 1-based line and column of a character offset (a reader error's position).
    private static func lineAndColumn(ofCharacterOffset offset: Int, in text: String, file: String) -> ConfigPosition {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
        }
        return ConfigPosition(file: file, line: line, column: column)
    }
}

/// One run of libyaml's parser over a text: events in, nodes out, open collections on an explicit stack (no
/// recursion, whatever the input).
private struct Composition {
    /// A collection whose end event has not come yet; a mapping's items alternate key and value.
    private struct Open {
        let isMapping: Bool
        let tag: String
        let mark: YAMLMark
        var items: [YAMLNode] = []
    }

    let text: String
    let file: String
    private var stack: [Open] = []

    init(text: String, file: String) {
        self.text = text
        self.file = file
    }

    mutating func run(_ buffer: UnsafeBufferPointer<UInt8>) throws(ConfigError) -> YAMLNode? {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            throw ConfigError(.malformedYAML, "\(ConfigText.escaped(file)): malformed YAML", at: nil)
        }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        // libyaml wants a pointer even for no input.
        let empty = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        defer { empty.deallocate() }
        yaml_parser_set_input_string(parser, buffer.baseAddress ?? UnsafePointer(empty), buffer.count)
        var streamStart = try parse(parser)
        yaml_event_delete(&streamStart)
        var documentStart = try parse(parser)
        let isEmpty = documentStart.type == YAML_STREAM_END_EVENT
        yaml_event_delete(&documentStart)
        if isEmpty { return nil }
        var root: YAMLNode?
        while root == nil {
            var event = try parse(parser)
            defer { yaml_event_delete(&event) }
            root = try handle(event)
        }
        // The document end, then the stream end: another document is refused at its start.
        var documentEnd = try parse(parser)
        yaml_event_delete(&documentEnd)
        var streamEnd = try parse(parser)
        defer { yaml_event_delete(&streamEnd) }
        guard streamEnd.type == YAML_STREAM_END_EVENT else {
            throw ConfigError(
                .malformedYAML,
                "malformed YAML: expected a single document, but found another one",
                at: ConfigPosition(
                    file: file,
                    line: Int(streamEnd.start_mark.line) + 1,
                    column: Int(streamEnd.start_mark.column) + 1
                )
            )
        }
        return root
    }

    /// The next event (the caller deletes it), or libyaml's error translated.
    private func parse(_ parser: UnsafeMutablePointer<yaml_parser_t>) throws(ConfigError) -> yaml_event_t {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else {
            throw YAMLComposer.parserError(parser.pointee, text: text, file: file)
        }
        return event
    }

    private func mark(_ mark: yaml_mark_t) -> YAMLMark {
        YAMLMark(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    /// Adds one event to the tree; returns the root once the document's root node is complete.
    private mutating func handle(_ event: yaml_event_t) throws(ConfigError) -> YAMLNode? {
        let start = mark(event.start_mark)
        switch event.type {
        case YAML_ALIAS_EVENT:
            throw YAMLComposer.anchorError(at: start, file: file)
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            if data.anchor != nil { throw YAMLComposer.anchorError(at: start, file: file) }
            let string = String(decoding: UnsafeBufferPointer(start: data.value, count: data.length), as: UTF8.self)
            let style: YAMLScalar.Style
            switch data.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
            // As Yams: a quoted or block scalar without a tag is a string, `!` is a string, a plain scalar without
            // a tag is typed by its text.
            let tag: YAMLTag
            if data.quoted_implicit == 1 {
                tag = .str
            } else if let explicit = Self.string(data.tag) {
                tag = explicit == "!" ? .str : YAMLTag(name: explicit)
            } else {
                tag = YAMLScalarTypes.resolve(string)
            }
            return add(.scalar(YAMLScalar(string: string, style: style, tag: tag, mark: start)))
        case YAML_SEQUENCE_START_EVENT:
            let data = event.data.sequence_start
            if data.anchor != nil { throw YAMLComposer.anchorError(at: start, file: file) }
            try open(isMapping: false, tag: data.implicit != 0 ? nil : Self.string(data.tag), at: start)
            return nil
        case YAML_MAPPING_START_EVENT:
            let data = event.data.mapping_start
            if data.anchor != nil { throw YAMLComposer.anchorError(at: start, file: file) }
            try open(isMapping: true, tag: data.implicit != 0 ? nil : Self.string(data.tag), at: start)
            return nil
        case YAML_SEQUENCE_END_EVENT:
            let open = stack.removeLast()
            return add(.sequence(open.items, tag: open.tag, mark: open.mark))
        case YAML_MAPPING_END_EVENT:
            let open = stack.removeLast()
            var pairs: [YAMLPair] = []
            pairs.reserveCapacity(open.items.count / 2)
            var index = 0
            while index + 1 < open.items.count {
                pairs.append(YAMLPair(key: open.items[index], value: open.items[index + 1]))
                index += 2
            }
            try checkDuplicates(pairs)
            return add(.mapping(pairs, tag: open.tag, mark: open.mark))
        default:
            return nil
        }
    }

    /// Opens a collection, refused when it would be nested deeper than ``YAMLComposer/maximumDepth``.
    private mutating func open(isMapping: Bool, tag explicit: String?, at start: YAMLMark) throws(ConfigError) {
        guard stack.count < YAMLComposer.maximumDepth else {
            throw YAMLComposer.depthError(at: ConfigPosition(file: file, line: start.line, column: start.column))
        }
        let implicit = YAMLTag.prefix + (isMapping ? "map" : "seq")
        let tag = explicit.map { $0 == "!" ? implicit : $0 } ?? implicit
        stack.append(Open(isMapping: isMapping, tag: tag, mark: start))
    }

    /// Adds a complete node to the innermost open collection; returns it when it is the root.
    private mutating func add(_ node: YAMLNode) -> YAMLNode? {
        guard !stack.isEmpty else { return node }
        stack[stack.count - 1].items.append(node)
        return nil
    }

    /// Refuses a mapping that repeats a key (equal text and tag); of several repeated keys the message names the
    /// first in Yams' order, at its first occurrence.
    private func checkDuplicates(_ pairs: [YAMLPair]) throws(ConfigError) {
        guard pairs.count > 1 else { return }
        // Each key's first occurrence, and whether it is repeated: one pass, hashed (no quadratic search).
        var firstIndex: [YAMLNode: (index: Int, repeated: Bool)] = [:]
        firstIndex.reserveCapacity(pairs.count)
        for (index, pair) in pairs.enumerated() {
            if firstIndex[pair.key] == nil {
                firstIndex[pair.key] = (index, false)
            } else {
                firstIndex[pair.key]?.repeated = true
            }
        }
        let firstOfRepeated = firstIndex.values.filter(\.repeated).map(\.index).sorted().map { pairs[$0].key }
        guard var key = firstOfRepeated.first else { return }
        for other in firstOfRepeated.dropFirst() where YAMLNode.precedes(other, key) { key = other }
        throw YAMLComposer.duplicateKeyError(key: key, text: text, file: file)
    }

    /// A tag or anchor string from libyaml (valid UTF-8; repaired if not).
    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}
