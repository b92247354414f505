import Yams

/// Composes YAML text into Yams nodes and turns Yams' errors into `ConfigError`s.
///
/// Yams' own error descriptions quote the offending line; a YAML file can hold a secret by mistake, so only
/// libyaml's problem sentence (a fixed text such as "found unexpected end of stream") and the position are kept.
enum YAMLComposer {
    /// The single document of `text`, or nil for an empty stream.
    static func compose(_ text: String, file: String) throws(ConfigError) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw translate(error, text: text, file: file)
        } catch {
            throw ConfigError(.malformedYAML, "\(ConfigText.escaped(file)): malformed YAML", at: nil)
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
