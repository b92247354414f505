import Yams

/// Composes YAML text into Yams nodes and turns Yams' errors into `ConfigError`s.
///
/// Yams' own error descriptions quote the offending line; a YAML file can hold a secret by mistake, so only
/// libyaml's problem sentence (a fixed text such as "found unexpected end of stream") and the position are kept.
///
/// Environment files are bounded before anything is built from them: at most ``maximumBytes`` bytes, collections
/// nested at most ``maximumDepth`` deep, and no anchors or aliases. An alias can stand for a collection of aliases
/// (a 1 KB "billion laughs" expands to gigabytes), and Yams hashes alias keys while it composes, before cfg sees
/// the tree; its event stream is private. So a file that holds `*` or `&` is first composed with each of them
/// replaced by a marker character, which cannot make an alias: where an anchor or an alias was, the copy has a
/// plain scalar that starts with the marker (a plain scalar cannot start with `*` or `&`), and that is refused.
/// Only a file found free of them is composed as written.
enum YAMLComposer {
    /// The largest environment file accepted, in bytes (1 MiB).
    package static let maximumBytes = 1 << 20
    /// How deep collections may nest (the document's root mapping is level 1).
    package static let maximumDepth = 64

    /// The single document of `text`, or nil for an empty stream.
    static func compose(_ text: String, file: String) throws(ConfigError) -> Node? {
        guard text.utf8.count <= maximumBytes else { throw tooLargeError(file: file) }
        let markers = anchorCandidates(in: text)
        if markers.isEmpty {
            let root = try composeUnchecked(text, file: file)
            try checkDepth(root, file: file)
            return root
        }
        let marker = markerCharacter(notIn: text)
        let neutral = String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "*" || $0 == "&" ? marker : $0 }))
        let copy: Node?
        do {
            copy = try composeUnchecked(neutral, file: file)
        } catch {
            // The copy is not YAML: an anchor before a block collection (`db: &a` then an indented mapping) or a
            // tag holding `&` breaks it. The original is never composed; an anchor at or before the problem is
            // the likelier cause.
            if let first = markers.first, error.position.map({ !isAfter(first, $0) }) ?? true {
                throw anchorError(at: first, file: file)
            }
            throw error
        }
        try checkDepth(copy, file: file)
        if let mark = firstMarkedScalar(copy, marker: marker) {
            throw anchorError(at: (line: mark.line, column: mark.column), file: file)
        }
        return try composeUnchecked(text, file: file)
    }

    /// Yams' composition, its errors translated.
    private static func composeUnchecked(_ text: String, file: String) throws(ConfigError) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw translate(error, text: text, file: file)
        } catch {
            throw ConfigError(.malformedYAML, "\(ConfigText.escaped(file)): malformed YAML", at: nil)
        }
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
    private static func anchorError(at position: (line: Int, column: Int), file: String) -> ConfigError {
        ConfigError(
            .unsupportedYAML,
            "anchors and aliases are not supported in environment files; repeat the value "
                + "(quote a value that starts with '*' or '&')",
            at: ConfigPosition(file: file, line: max(position.line, 1), column: max(position.column, 1))
        )
    }

    /// Whether `a` comes after `b` in the text.
    private static func isAfter(_ a: (line: Int, column: Int), _ b: ConfigPosition) -> Bool {
        a.line > b.line || (a.line == b.line && a.column > b.column)
    }

    /// The line and column (1-based, in Unicode scalars, as libyaml counts) of every `*` and `&`.
    static func anchorCandidates(in text: String) -> [(line: Int, column: Int)] {
        var result: [(line: Int, column: Int)] = []
        var line = 1
        var column = 1
        var previousWasCarriageReturn = false
        for (index, scalar) in text.unicodeScalars.enumerated() {
            if index == 0, scalar == "\u{FEFF}" { continue }
            switch scalar {
            case "\n" where previousWasCarriageReturn:
                break
            case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}":
                line += 1
                column = 1
            case "*", "&":
                result.append((line, column))
                column += 1
            default:
                column += 1
            }
            previousWasCarriageReturn = scalar == "\r"
        }
        return result
    }

    /// A private-use character that does not occur in `text` (the copy's stand-in for `*` and `&`).
    private static func markerCharacter(notIn text: String) -> Unicode.Scalar {
        let used = Set(text.unicodeScalars.filter { $0.value >= 0xE000 && $0.value <= 0xF8FF })
        for value in UInt32(0xE000)...0xF8FF {
            if let scalar = Unicode.Scalar(value), !used.contains(scalar) { return scalar }
        }
        // A 1 MiB file holds at most 349,525 three-byte characters, but cannot hold all 6,400 and still be YAML
        // worth reading; fall back to a character outside the range.
        return "\u{10FFFD}"
    }

    /// The position of the first plain scalar (key or value) that starts with `marker`, in document order.
    private static func firstMarkedScalar(_ root: Node?, marker: Unicode.Scalar) -> Mark? {
        guard let root else { return nil }
        var stack = [root]
        while let node = stack.popLast() {
            switch node {
            case .scalar(let scalar):
                if scalar.style == .plain, scalar.string.unicodeScalars.first == marker { return scalar.mark }
            case .mapping(let mapping):
                for (key, value) in mapping.reversed() { stack += [value, key] }
            case .sequence(let sequence):
                stack += sequence.reversed()
            case .alias(let alias):
                return alias.mark
            }
        }
        return nil
    }

    /// The `tooLarge` error for collections nested deeper than ``maximumDepth``.
    private static func depthError(at position: ConfigPosition) -> ConfigError {
        ConfigError(
            .tooLarge,
            "collections are nested more than \(maximumDepth) levels deep here; flatten the structure",
            at: position
        )
    }

    /// Refuses collections nested deeper than ``maximumDepth``, at the first one too deep (walked without recursion).
    private static func checkDepth(_ root: Node?, file: String) throws(ConfigError) {
        guard let root else { return }
        var stack = [(node: root, depth: 1)]
        while let (node, depth) = stack.popLast() {
            let children: [Node]
            switch node {
            case .mapping(let mapping): children = mapping.flatMap { [$0.key, $0.value] }
            case .sequence(let sequence): children = Array(sequence)
            case .scalar, .alias: continue
            }
            guard depth <= maximumDepth else {
                let mark = node.mark
                throw depthError(
                    at: ConfigPosition(file: file, line: max(mark?.line ?? 1, 1), column: max(mark?.column ?? 1, 1))
                )
            }
            stack += children.map { ($0, depth + 1) }
        }
    }

    /// The `ConfigError` for a Yams error: position and problem only, never the text around it.
    static func translate(_ error: YamlError, text: String, file: String) -> ConfigError {
        func position(_ mark: Mark) -> ConfigPosition {
            ConfigPosition(file: file, line: max(mark.line, 1), column: max(mark.column, 1))
        }
        func sentence(_ problem: String, _ context: YamlError.Context?) -> String {
            var message = "malformed YAML: \(problem)"
            if let context {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            return message
        }
        switch error {
        case .scanner(let context, let problem, let mark, yaml: _),
            .parser(let context, let problem, let mark, yaml: _):
            // libyaml stops at 1000 levels with a sentence about its own API: say what cfg's limit is instead.
            if problem.hasPrefix("Maximum nesting level reached") { return depthError(at: position(mark)) }
            return ConfigError(.malformedYAML, sentence(problem, context), at: position(mark))
        case .composer(let context, let problem, let mark, yaml: _):
            // The "single document" context carries a fixed sentence and a dummy mark: keep only its words.
            if let context, context.text == "expected a single document in the stream" {
                return ConfigError(
                    .malformedYAML,
                    "malformed YAML: expected a single document, but found another one",
                    at: position(mark)
                )
            }
            return ConfigError(.malformedYAML, sentence(problem, context), at: position(mark))
        case .reader(let problem, let offset, value: _, yaml: _):
            let at = offset.map { lineAndColumn(ofCharacterOffset: $0, in: text, file: file) }
            return ConfigError(.malformedYAML, "malformed YAML: \(problem)", at: at)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return duplicateKeyError(duplicates: duplicates, firstMark: context.mark, text: text, file: file)
        case .dataCouldNotBeDecoded:
            return ConfigError(.malformedYAML, "\(ConfigText.escaped(file)): the file is not valid UTF-8", at: nil)
        default:
            return ConfigError(.malformedYAML, "\(ConfigText.escaped(file)): malformed YAML", at: nil)
        }
    }

    /// A `duplicate` error for a mapping that repeats a key.
    ///
    /// Yams reports the first occurrence; the error points at the second one when it can be found (the same key
    /// at the same column further down the same block mapping), else at the first.
    private static func duplicateKeyError(
        duplicates: [String],
        firstMark: Mark,
        text: String,
        file: String
    )
        -> ConfigError
    {
        let key = duplicates.first ?? ""
        // Keys are field and secret names; anything else is not echoed.
        let shown = isPrintableName(key) ? "'\(key)'" : "a key"
        let first = ConfigPosition(file: file, line: max(firstMark.line, 1), column: max(firstMark.column, 1))
        let second = secondOccurrence(of: key, after: first, in: text)
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
