/// Splits template source into text and tags, tokenizes the inside of tags and applies whitespace
/// control.
///
/// Columns count Unicode scalars, so the lexer works on the source's scalars. It recovers from
/// errors (an unexpected character, an unterminated string, a tag that runs into the next `{{`) so
/// that one parse reports as many problems as it can.
struct TemplateLexer {
    /// A piece before whitespace control, with ranges into `scalars`.
    private struct RawPiece {
        enum Kind {
            case text
            case output
            case tag
            case comment
        }

        var kind: Kind
        /// For text, the text; for tags, the whole tag including its delimiters.
        var range: Range<Int>
        var tokens: [TemplateToken] = []
        /// `{{-`, `{%-` or `{#-`: strip whitespace before the tag.
        var trimBefore = false
        /// `-}}`, `-%}` or `-#}`: strip whitespace after the tag.
        var trimAfter = false
    }

    private let scalars: [Unicode.Scalar]
    private let file: String
    /// The index of the first scalar of each line.
    private let lineStarts: [Int]
    private(set) var diagnostics: [TemplateDiagnostic] = []

    init(source: String, file: String) {
        let scalars = Array(source.unicodeScalars)
        var lineStarts = [0]
        for (index, scalar) in scalars.enumerated() where scalar == "\n" {
            lineStarts.append(index + 1)
        }
        self.scalars = scalars
        self.file = file
        self.lineStarts = lineStarts
    }

    /// The 1-based line and column of a scalar index.
    func position(at index: Int) -> SourcePosition {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= index {
                low = middle
            } else {
                high = middle - 1
            }
        }
        return SourcePosition(file: file, line: low + 1, column: index - lineStarts[low] + 1)
    }

    /// Lexes the whole source. Problems are left in `diagnostics`.
    mutating func lex() -> [TemplatePiece] {
        var pieces = scanPieces()
        applyWhitespaceControl(&pieces)
        return pieces.compactMap { piece -> TemplatePiece? in
            switch piece.kind {
            case .text:
                guard !piece.range.isEmpty else { return nil }
                return .text(string(piece.range), position(at: piece.range.lowerBound))
            case .output:
                return .output(piece.tokens, position(at: piece.range.lowerBound))
            case .tag:
                return .tag(piece.tokens, position(at: piece.range.lowerBound))
            case .comment:
                return nil
            }
        }
    }

    // MARK: - Scanning

    /// The scalars of `range` as a string, built as UTF-8 (appending scalar by scalar to a string's scalar view
    /// cost most of a large template's lexing).
    private func string(_ range: Range<Int>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(range.count)
        for scalar in scalars[range] {
            if scalar.isASCII {
                bytes.append(UInt8(truncatingIfNeeded: scalar.value))
            } else {
                bytes.append(contentsOf: scalar.utf8)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func scalar(_ index: Int) -> Unicode.Scalar? {
        index < scalars.count ? scalars[index] : nil
    }

    private func isOpener(at index: Int) -> Bool {
        guard scalar(index) == "{", let next = scalar(index + 1) else { return false }
        return next == "{" || next == "%" || next == "#"
    }

    private mutating func report(_ code: TemplateDiagnostic.Code, at index: Int, _ message: String) {
        diagnostics.append(TemplateDiagnostic(code: code, position: position(at: index), message: message))
    }

    private mutating func scanPieces() -> [RawPiece] {
        var pieces: [RawPiece] = []
        var textStart = 0
        var index = 0
        while index < scalars.count {
            guard isOpener(at: index), let opener = scalar(index + 1) else {
                index += 1
                continue
            }
            pieces.append(RawPiece(kind: .text, range: textStart..<index))
            let tagStart = index
            index += 2
            let trimBefore = scalar(index) == "-"
            if trimBefore { index += 1 }
            var piece: RawPiece
            if opener == "#" {
                piece = scanComment(from: tagStart, bodyStart: index, next: &index)
            } else {
                piece = scanTag(opener: opener, from: tagStart, bodyStart: index, next: &index)
            }
            piece.trimBefore = trimBefore
            pieces.append(piece)
            textStart = index
        }
        pieces.append(RawPiece(kind: .text, range: textStart..<scalars.count))
        return pieces
    }

    private mutating func scanComment(from tagStart: Int, bodyStart: Int, next index: inout Int) -> RawPiece {
        var cursor = bodyStart
        while cursor + 1 < scalars.count {
            if scalars[cursor] == "#" && scalars[cursor + 1] == "}" {
                var piece = RawPiece(kind: .comment, range: tagStart..<(cursor + 2))
                piece.trimAfter = cursor > bodyStart && scalars[cursor - 1] == "-"
                index = cursor + 2
                return piece
            }
            cursor += 1
        }
        report(.unclosedTag, at: tagStart, "unclosed comment: '{#' has no matching '#}'")
        index = scalars.count
        return RawPiece(kind: .comment, range: tagStart..<scalars.count)
    }

    private mutating func scanTag(
        opener: Unicode.Scalar,
        from tagStart: Int,
        bodyStart: Int,
        next index: inout Int
    ) -> RawPiece {
        let closer: Unicode.Scalar = opener == "{" ? "}" : "%"
        let kind: RawPiece.Kind = opener == "{" ? .output : .tag
        var tokens: [TemplateToken] = []
        var cursor = bodyStart
        // Map literals open inside the tag: while one is open, `}` closes it rather than the tag, as in Jinja,
        // so that `{{ {"a": {"b": 1}} }}` is one tag.
        var openMaps = 0
        while true {
            while let current = scalar(cursor), current.isWhitespace { cursor += 1 }
            guard let current = scalar(cursor) else {
                report(.unclosedTag, at: tagStart, "unclosed tag: '{\(opener)' has no matching '\(closer)}'")
                break
            }
            if current == "}", openMaps > 0 {
                openMaps -= 1
                tokens.append(TemplateToken(kind: .symbol("}"), position: position(at: cursor)))
                cursor += 1
                continue
            }
            if current == "-", scalar(cursor + 1) == closer, scalar(cursor + 2) == "}" {
                tokens.append(TemplateToken(kind: .end, position: position(at: cursor)))
                index = cursor + 3
                var piece = RawPiece(kind: kind, range: tagStart..<index, tokens: tokens)
                piece.trimAfter = true
                return piece
            }
            if current == closer, scalar(cursor + 1) == "}" {
                tokens.append(TemplateToken(kind: .end, position: position(at: cursor)))
                index = cursor + 2
                return RawPiece(kind: kind, range: tagStart..<index, tokens: tokens)
            }
            if isOpener(at: cursor) {
                report(.unclosedTag, at: tagStart, "unclosed tag: '{\(opener)' has no matching '\(closer)}'")
                break
            }
            let tokenStart = cursor
            let token = lexToken(at: &cursor) ?? TemplateToken(kind: .invalid, position: position(at: tokenStart))
            if token.kind == .symbol("{") { openMaps += 1 }
            tokens.append(token)
        }
        tokens.append(TemplateToken(kind: .end, position: position(at: cursor)))
        index = cursor
        return RawPiece(kind: kind, range: tagStart..<cursor, tokens: tokens)
    }

    // MARK: - Tokens

    /// The symbols, longest first where one starts another, with their scalars.
    private static let symbols: [(text: String, scalars: [Unicode.Scalar])] = [
        "==", "!=", "<=", ">=", "<", ">", ".", ",", "(", ")", "[", "]", "{", "}", ":", "|", "~",
    ].map { ($0, Array($0.unicodeScalars)) }

    /// Lexes one token at `cursor` and advances past it; nil (after a diagnostic) for an invalid one.
    private mutating func lexToken(at cursor: inout Int) -> TemplateToken? {
        let start = cursor
        guard let current = scalar(cursor) else { return nil }
        let startPosition = position(at: start)
        if current == "_" || Self.isLetter(current) {
            while let next = scalar(cursor), next == "_" || Self.isLetter(next) || Self.isDigit(next) {
                cursor += 1
            }
            return TemplateToken(kind: .name(string(start..<cursor)), position: startPosition)
        }
        if Self.isDigit(current) || (current == "-" && scalar(cursor + 1).map(Self.isDigit) == true) {
            return lexNumber(at: &cursor)
        }
        if current == "\"" || current == "'" {
            return lexString(at: &cursor)
        }
        for symbol in Self.symbols
        where symbol.scalars.indices.allSatisfy({ scalar(cursor + $0) == symbol.scalars[$0] }) {
            cursor += symbol.scalars.count
            return TemplateToken(kind: .symbol(symbol.text), position: startPosition)
        }
        cursor += 1
        if current == "=" {
            report(.syntax, at: start, "unexpected '='; compare with '=='")
        } else {
            report(.syntax, at: start, "unexpected character '\(Character(current))'")
        }
        return nil
    }

    private mutating func lexNumber(at cursor: inout Int) -> TemplateToken? {
        let start = cursor
        if scalar(cursor) == "-" { cursor += 1 }
        while let next = scalar(cursor), Self.isDigit(next) { cursor += 1 }
        var isDouble = false
        if scalar(cursor) == ".", let after = scalar(cursor + 1), Self.isDigit(after) {
            isDouble = true
            cursor += 1
            while let next = scalar(cursor), Self.isDigit(next) { cursor += 1 }
        }
        if let exponent = scalar(cursor), exponent == "e" || exponent == "E" {
            var probe = cursor + 1
            if let sign = scalar(probe), sign == "+" || sign == "-" { probe += 1 }
            if let digit = scalar(probe), Self.isDigit(digit) {
                isDouble = true
                cursor = probe
                while let next = scalar(cursor), Self.isDigit(next) { cursor += 1 }
            }
        }
        let text = string(start..<cursor)
        let startPosition = position(at: start)
        if isDouble, let value = Double(text), value.isFinite {
            return TemplateToken(kind: .double(value), position: startPosition)
        }
        if !isDouble, let value = Int(text) {
            return TemplateToken(kind: .integer(value), position: startPosition)
        }
        report(.syntax, at: start, "number '\(text)' is out of range")
        return nil
    }

    private mutating func lexString(at cursor: inout Int) -> TemplateToken? {
        let start = cursor
        let quote = scalars[cursor]
        cursor += 1
        var value = String.UnicodeScalarView()
        var valid = true
        while true {
            guard let current = scalar(cursor), current != "\n" else {
                report(.syntax, at: start, "unterminated string literal")
                return nil
            }
            cursor += 1
            if current == quote { break }
            guard current == "\\" else {
                value.append(current)
                continue
            }
            guard let escaped = scalar(cursor), escaped != "\n" else { continue }
            cursor += 1
            switch escaped {
            case "\\": value.append("\\")
            case "'": value.append("'")
            case "\"": value.append("\"")
            case "n": value.append("\n")
            case "t": value.append("\t")
            default:
                valid = false
                report(.syntax, at: cursor - 2, "unknown escape '\\\(Character(escaped))' in string literal")
            }
        }
        guard valid else { return nil }
        return TemplateToken(kind: .string(String(value)), position: position(at: start))
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(scalar)
    }

    // MARK: - Whitespace control

    private static func isBlank(_ scalar: Unicode.Scalar) -> Bool { scalar == " " || scalar == "\t" }

    /// Applies `-` trimming and removes the line of a block tag or comment that stands alone on it.
    private func applyWhitespaceControl(_ pieces: inout [RawPiece]) {
        // Decide which tags stand alone before any range is changed.
        var standalone = Array(repeating: false, count: pieces.count)
        for index in pieces.indices where pieces[index].kind == .tag || pieces[index].kind == .comment {
            standalone[index] = standsAlone(pieces, index)
        }
        for index in pieces.indices where pieces[index].kind != .text {
            let piece = pieces[index]
            if index > 0, pieces[index - 1].kind == .text {
                var range = pieces[index - 1].range
                if piece.trimBefore {
                    while range.upperBound > range.lowerBound, scalars[range.upperBound - 1].isWhitespace {
                        range = range.lowerBound..<(range.upperBound - 1)
                    }
                } else if standalone[index] {
                    while range.upperBound > range.lowerBound, Self.isBlank(scalars[range.upperBound - 1]) {
                        range = range.lowerBound..<(range.upperBound - 1)
                    }
                }
                pieces[index - 1].range = range
            }
            if index + 1 < pieces.count, pieces[index + 1].kind == .text {
                var range = pieces[index + 1].range
                if piece.trimAfter {
                    while range.lowerBound < range.upperBound, scalars[range.lowerBound].isWhitespace {
                        range = (range.lowerBound + 1)..<range.upperBound
                    }
                } else if standalone[index] {
                    while range.lowerBound < range.upperBound, Self.isBlank(scalars[range.lowerBound]) {
                        range = (range.lowerBound + 1)..<range.upperBound
                    }
                    if range.lowerBound < range.upperBound, scalars[range.lowerBound] == "\r" {
                        range = (range.lowerBound + 1)..<range.upperBound
                    }
                    if range.lowerBound < range.upperBound, scalars[range.lowerBound] == "\n" {
                        range = (range.lowerBound + 1)..<range.upperBound
                    }
                }
                pieces[index + 1].range = range
            }
        }
    }

    /// True when only spaces and tabs surround the tag on its line.
    private func standsAlone(_ pieces: [RawPiece], _ index: Int) -> Bool {
        // Before: the text piece before the tag ends with a newline then blanks, or starts the file.
        guard index > 0, pieces[index - 1].kind == .text else { return false }
        let before = pieces[index - 1].range
        var cursor = before.upperBound
        while cursor > before.lowerBound, Self.isBlank(scalars[cursor - 1]) { cursor -= 1 }
        if cursor > before.lowerBound {
            guard scalars[cursor - 1] == "\n" else { return false }
        } else if before.lowerBound != 0 {
            return false
        }
        // After: blanks then a newline (or CRLF), or the end of the file.
        guard index + 1 < pieces.count, pieces[index + 1].kind == .text else { return false }
        let after = pieces[index + 1].range
        cursor = after.lowerBound
        while cursor < after.upperBound, Self.isBlank(scalars[cursor]) { cursor += 1 }
        if cursor == after.upperBound { return after.upperBound == scalars.count }
        if scalars[cursor] == "\r", cursor + 1 < after.upperBound { cursor += 1 }
        return scalars[cursor] == "\n"
    }
}
