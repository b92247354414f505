package import CfgTemplate

/// Reads the settings of an airflow.cfg-style template from its rendered text.
///
/// Structure comes only from literal template text: lines end at newlines of literal segments, and
/// `[section]`, `#`/`;` comments and the `=` of `key = value` count only when written literally. A value
/// from `{{ … }}` (which may contain newlines, `=`, `#` or `[x]`) never changes the structure.
///
/// - `[section]`: names `[A-Za-z0-9_.]+`, lower-cased as Airflow does. `[env]` holds raw environment
///   variable names (`AIRFLOW_CONN_X`), `[A-Za-z_][A-Za-z0-9_]*`, case kept.
/// - `key = value`: split at the first literal `=`. Keys in Airflow sections are `[A-Za-z0-9_]+`,
///   lower-cased. Leading whitespace of a leading literal part and trailing whitespace of a trailing
///   literal part of the value are trimmed; expression values keep theirs. No inline comments and no
///   continuation lines: the rest of the line is the value, as with Airflow's own parser.
package enum SettingsParser {
    /// Parses one rendered template.
    ///
    /// - Throws: `RenderErrors` with every problem, in source order; messages never contain a value.
    package static func parse(_ text: RenderedText) throws(RenderErrors) -> [Setting] {
        var settings: [Setting] = []
        var errors: [RenderError] = []
        var state = SectionState.none
        var seen: [String: SourcePosition] = [:]

        for line in lines(of: text) {
            guard let start = firstNonBlank(line) else { continue }
            let startSegment = line[start.segment]
            let position = positionOf(startSegment, offset: start.offset)
            if startSegment.kind == .literal {
                let scalar = startSegment.text.unicodeScalars[start.index]
                if scalar == "#" || scalar == ";" { continue }
                if scalar == "[" {
                    switch section(line, position: position) {
                    case .success(let new): state = new
                    case .failure(let error):
                        errors.append(error)
                        state = .invalid
                    }
                    continue
                }
            }
            switch setting(line, state: state, position: position) {
            case .success(let found?):
                if let first = seen[found.variable] {
                    errors.append(
                        RenderError(
                            .duplicateKey,
                            "\(found.variable) is already set at line \(first.line); remove one of them.",
                            position: position,
                            variable: found.variable
                        )
                    )
                } else {
                    seen[found.variable] = position
                    settings.append(found)
                }
            case .success(nil): continue
            case .failure(let error): errors.append(error)
            }
        }
        if !errors.isEmpty { throw RenderErrors(errors) }
        return settings
    }

    /// What the last section header said.
    private enum SectionState {
        case none
        /// A header that failed: its settings are not reported again.
        case invalid
        case airflow(String)
        case env
    }

    /// Splits at newlines inside literal segments only; empty literal pieces are dropped.
    private static func lines(of text: RenderedText) -> [[Segment]] {
        var lines: [[Segment]] = [[]]
        for segment in text.segments {
            guard segment.kind == .literal else {
                lines[lines.count - 1].append(segment)
                continue
            }
            // Split on scalars: "\r\n" is one Character, so a Character split would miss it.
            let pieces = segment.text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index > 0 { lines.append([]) }
                // Substring views, not a scalar-by-scalar copy: this runs over every template's text.
                let scalars = index < pieces.count - 1 && piece.last == "\r" ? piece.dropLast() : piece
                let text = String(Substring(scalars))
                guard !text.isEmpty else { continue }
                let position =
                    index == 0
                    ? segment.position
                    : SourcePosition(file: segment.position.file, line: segment.position.line + index, column: 1)
                lines[lines.count - 1].append(.literal(text, at: position))
            }
        }
        return lines
    }

    /// The first character that is not white space: its segment, scalar index and scalar offset.
    private static func firstNonBlank(
        _ line: [Segment]
    ) -> (segment: Int, index: String.UnicodeScalarView.Index, offset: Int)? {
        for (number, segment) in line.enumerated() {
            var offset = 0
            for index in segment.text.unicodeScalars.indices {
                if !segment.text.unicodeScalars[index].isWhitespace {
                    return (number, index, offset)
                }
                offset += 1
            }
        }
        return nil
    }

    /// The position of a scalar offset inside a literal segment (an expression reports its start).
    private static func positionOf(_ segment: Segment, offset: Int) -> SourcePosition {
        guard segment.kind == .literal else { return segment.position }
        var position = segment.position
        position.column += offset
        return position
    }

    private static func section(_ line: [Segment], position: SourcePosition) -> Result<SectionState, RenderError> {
        guard line.allSatisfy({ $0.kind == .literal }) else {
            return .failure(
                RenderError(
                    .invalidSetting,
                    "A section header must be literal text, without {{ }}.",
                    position: position
                )
            )
        }
        let header = trimmed(line.map(\.text).joined())
        guard header.hasSuffix("]"), header.count >= 2 else {
            return .failure(RenderError(.invalidSetting, "A section header must be [name].", position: position))
        }
        let name = String(header.dropFirst().dropLast())
        let valid =
            !name.isEmpty
            && name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == "." }
        guard valid else {
            return .failure(
                RenderError(
                    .invalidSetting,
                    "Invalid section name [\(name)]: use letters, digits, \"_\" and \".\".",
                    position: position
                )
            )
        }
        let lower = name.lowercased()
        return .success(lower == "env" ? .env : .airflow(lower))
    }

    /// Reads a `key = value` line; nil when the line belongs to a section that already failed.
    private static func setting(
        _ line: [Segment],
        state: SectionState,
        position: SourcePosition
    ) -> Result<Setting?, RenderError> {
        guard let split = splitAtEquals(line) else {
            return .failure(
                RenderError(
                    .invalidSetting,
                    "Expected \"key = value\", a [section] header or a comment.",
                    position: position
                )
            )
        }
        if split.key.contains(where: \.isSecret) {
            return .failure(RenderError(.invalidSetting, "A key cannot contain a secret value.", position: position))
        }
        let key = trimmed(split.key.map(\.text).joined())
        let value = trimValue(split.value)
        switch state {
        case .invalid:
            return .success(nil)
        case .none:
            return .failure(
                RenderError(
                    .invalidSetting,
                    "Setting \"\(key)\" comes before any [section] header.",
                    position: position
                )
            )
        case .env:
            guard Setting.isValidVariableName(key) else {
                return .failure(
                    RenderError(
                        .invalidSetting,
                        "Invalid variable name \"\(key)\" in [env]: use [A-Za-z_][A-Za-z0-9_]*.",
                        position: position
                    )
                )
            }
            return .success(Setting(section: nil, key: key, variable: key, value: value, position: position))
        case .airflow(let section):
            let valid =
                !key.isEmpty && key.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }
            guard valid else {
                return .failure(
                    RenderError(
                        .invalidSetting,
                        "Invalid key \"\(key)\" in [\(section)]: use letters, digits and \"_\".",
                        position: position
                    )
                )
            }
            return .success(.airflow(section: section, key: key.lowercased(), value: value, position: position))
        }
    }

    /// Splits a line at its first literal `=`: the segments before and after it.
    private static func splitAtEquals(_ line: [Segment]) -> (key: [Segment], value: [Segment])? {
        for (number, segment) in line.enumerated() where segment.kind == .literal {
            let scalars = segment.text.unicodeScalars
            guard let index = scalars.firstIndex(of: "=") else { continue }
            var key = Array(line[..<number])
            var value: [Segment] = []
            let before = String(scalars[..<index])
            if !before.isEmpty { key.append(.literal(before, at: segment.position)) }
            let after = String(scalars[scalars.index(after: index)...])
            if !after.isEmpty {
                var position = segment.position
                position.column += scalars.distance(from: scalars.startIndex, to: index) + 1
                value.append(.literal(after, at: position))
            }
            value.append(contentsOf: line[(number + 1)...])
            return (key, value)
        }
        return nil
    }

    /// Trims leading white space of a leading literal part and trailing white space of a trailing one.
    private static func trimValue(_ segments: [Segment]) -> RenderedText {
        var segments = segments
        if let first = segments.first, first.kind == .literal {
            let scalars = first.text.unicodeScalars
            let start = scalars.firstIndex { !$0.isWhitespace } ?? scalars.endIndex
            var position = first.position
            position.column += scalars.distance(from: scalars.startIndex, to: start)
            segments[0] = .literal(String(scalars[start...]), at: position)
        }
        if let last = segments.last, last.kind == .literal {
            let scalars = last.text.unicodeScalars
            let end = scalars.lastIndex { !$0.isWhitespace }.map { scalars.index(after: $0) }
            segments[segments.count - 1] = .literal(String(scalars[..<(end ?? scalars.startIndex)]), at: last.position)
        }
        return RenderedText(segments: segments.filter { $0.kind == .value || !$0.text.isEmpty })
    }

    private static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(scalars[start...last])
    }
}
