/// Builds the node tree from lexed pieces: block structure first, then a recursive-descent parser
/// for the expressions inside each tag.
///
/// Precedence, loosest first: `or`, `and`, `not`, comparisons and `in`, `~`, `|` filters, postfix
/// `.key` and `[index]`. An expression that does not parse is recorded as a diagnostic and
/// replaced by a placeholder so that the rest of the file is still checked.
struct TemplateParser {
    /// A syntax error that abandons the current tag.
    private struct Abandon: Error {
        /// Nil when the problem was already reported.
        var diagnostic: TemplateDiagnostic?
    }

    /// The tag that ended a block body.
    private struct Terminator {
        var name: String
        var tokens: [TemplateToken]
        var position: SourcePosition
    }

    private static let reserved: Set<String> = ["and", "or", "not", "in", "true", "false", "null"]

    private let pieces: [TemplatePiece]
    private var pieceIndex = 0
    private var tokens: [TemplateToken] = []
    private var tokenIndex = 0
    /// The terminators of every open block, innermost last.
    private var openBlocks: [Set<String>] = []
    private(set) var diagnostics: [TemplateDiagnostic] = []

    init(pieces: [TemplatePiece]) {
        self.pieces = pieces
    }

    /// Parses the whole template.
    mutating func parse() -> [TemplateNode] {
        var nodes: [TemplateNode] = []
        while true {
            let (body, terminator) = parseBody(until: [])
            nodes += body
            guard let terminator else { return nodes }
            report(.syntax, at: terminator.position, "unexpected '{% \(terminator.name) %}' with no open block")
        }
    }

    // MARK: - Blocks

    private mutating func report(_ code: TemplateDiagnostic.Code, at position: SourcePosition, _ message: String) {
        diagnostics.append(TemplateDiagnostic(code: code, position: position, message: message))
    }

    /// Parses nodes until a tag named in `terminators` (returned) or the end of the file (nil).
    private mutating func parseBody(until terminators: Set<String>) -> ([TemplateNode], Terminator?) {
        let enclosing = openBlocks
        openBlocks.append(terminators)
        defer { openBlocks.removeLast() }
        var nodes: [TemplateNode] = []
        while pieceIndex < pieces.count {
            let piece = pieces[pieceIndex]
            pieceIndex += 1
            switch piece {
            case .text(let text, let position):
                nodes.append(.text(text, position))
            case .output(let tagTokens, let position):
                start(tagTokens)
                let expression = parseTagExpression(at: position, finishing: true)
                nodes.append(.output(expression, position))
            case .tag(let tagTokens, let position):
                start(tagTokens)
                guard case .name(let name) = current.kind else {
                    report(.syntax, at: current.position, "expected a tag name such as 'if' or 'for'")
                    continue
                }
                advance()
                if terminators.contains(name) {
                    return (nodes, Terminator(name: name, tokens: tagTokens, position: position))
                }
                if enclosing.contains(where: { $0.contains(name) }) {
                    // It ends an outer block: this block is unclosed, and the outer one still gets its end.
                    pieceIndex -= 1
                    return (nodes, nil)
                }
                switch name {
                case "if":
                    nodes.append(parseConditional(at: position))
                case "for":
                    if let loop = parseLoop(at: position) { nodes.append(loop) }
                case "elif", "else", "endif", "endfor":
                    report(.syntax, at: position, "unexpected '{% \(name) %}' with no matching open block")
                default:
                    report(.syntax, at: position, "unknown tag '\(name)'")
                }
            }
        }
        return (nodes, nil)
    }

    private mutating func parseConditional(at position: SourcePosition) -> TemplateNode {
        var branches: [TemplateNode.Branch] = []
        var condition = parseTagExpression(at: position, finishing: true)
        while true {
            let (body, terminator) = parseBody(until: ["elif", "else", "endif"])
            branches.append(TemplateNode.Branch(condition: condition, body: body))
            guard let terminator else {
                report(.unclosedTag, at: position, "unclosed 'if' block: missing '{% endif %}'")
                return .conditional(branches, otherwise: nil)
            }
            switch terminator.name {
            case "elif":
                condition = parseTagExpression(at: terminator.position, finishing: true)
            case "else":
                expectTagEnd(terminator)
                let (otherwise, end) = parseBody(until: ["endif"])
                if let end {
                    expectTagEnd(end)
                } else {
                    report(.unclosedTag, at: position, "unclosed 'if' block: missing '{% endif %}'")
                }
                return .conditional(branches, otherwise: otherwise)
            default:
                expectTagEnd(terminator)
                return .conditional(branches, otherwise: nil)
            }
        }
    }

    private mutating func parseLoop(at position: SourcePosition) -> TemplateNode? {
        var header: (key: String?, value: String, iterable: TemplateExpression)?
        do throws(Abandon) {
            guard !restIsInvalid else { throw Abandon(diagnostic: nil) }
            let first = try expectVariableName()
            var second: String?
            if current.kind == .symbol(",") {
                advance()
                second = try expectVariableName()
            }
            guard current.kind == .name("in") else {
                throw abandon("expected 'in' after the loop variable, found \(current.display)")
            }
            advance()
            let iterable = try parseExpression()
            try expectEnd()
            header = second.map { (key: first, value: $0, iterable: iterable) } ?? (nil, first, iterable)
        } catch {
            if let diagnostic = error.diagnostic { diagnostics.append(diagnostic) }
        }
        let (body, terminator) = parseBody(until: ["endfor"])
        if let terminator {
            expectTagEnd(terminator)
        } else {
            report(.unclosedTag, at: position, "unclosed 'for' block: missing '{% endfor %}'")
        }
        guard let header else { return nil }
        return .loop(
            TemplateNode.Loop(
                keyName: header.key,
                valueName: header.value,
                iterable: header.iterable,
                body: body,
                position: position
            )
        )
    }

    private mutating func expectVariableName() throws(Abandon) -> String {
        guard case .name(let name) = current.kind, !Self.reserved.contains(name) else {
            throw abandon("expected a loop variable name, found \(current.display)")
        }
        advance()
        return name
    }

    /// Reports anything after the name of `endif`, `else` or `endfor`.
    private mutating func expectTagEnd(_ terminator: Terminator) {
        start(terminator.tokens)
        advance()
        if current.kind != .end {
            report(.syntax, at: current.position, "unexpected \(current.display) after '\(terminator.name)'")
        }
    }

    // MARK: - Tokens

    private mutating func start(_ tagTokens: [TemplateToken]) {
        tokens = tagTokens
        tokenIndex = 0
    }

    private var current: TemplateToken {
        tokens[min(tokenIndex, tokens.count - 1)]
    }

    private var nextKind: TemplateToken.Kind? {
        tokenIndex + 1 < tokens.count ? tokens[tokenIndex + 1].kind : nil
    }

    private mutating func advance() {
        if tokenIndex < tokens.count - 1 { tokenIndex += 1 }
    }

    /// True when the rest of the tag holds text the lexer already reported.
    private var restIsInvalid: Bool {
        tokens[min(tokenIndex, tokens.count - 1)...].contains { $0.kind == .invalid }
    }

    private func abandon(_ message: String) -> Abandon {
        Abandon(diagnostic: TemplateDiagnostic(code: .syntax, position: current.position, message: message))
    }

    private func expectEnd() throws(Abandon) {
        guard current.kind == .end else {
            throw abandon("unexpected \(current.display); expected the end of the tag")
        }
    }

    private mutating func expect(_ symbol: String, _ context: String) throws(Abandon) {
        guard current.kind == .symbol(symbol) else {
            throw abandon("expected '\(symbol)' \(context), found \(current.display)")
        }
        advance()
    }

    // MARK: - Expressions

    /// Parses the rest of the current tag as one expression, or records why it cannot.
    private mutating func parseTagExpression(at position: SourcePosition, finishing: Bool) -> TemplateExpression {
        guard !restIsInvalid else { return TemplateExpression(.invalid, at: position) }
        do throws(Abandon) {
            if current.kind == .end {
                throw abandon("expected an expression")
            }
            let expression = try parseExpression()
            if finishing { try expectEnd() }
            return expression
        } catch {
            if let diagnostic = error.diagnostic { diagnostics.append(diagnostic) }
            return TemplateExpression(.invalid, at: position)
        }
    }

    private mutating func parseExpression() throws(Abandon) -> TemplateExpression {
        try parseOr()
    }

    private mutating func parseOr() throws(Abandon) -> TemplateExpression {
        var lhs = try parseAnd()
        while current.kind == .name("or") {
            let position = current.position
            advance()
            lhs = TemplateExpression(.binary(.or, lhs, try parseAnd()), at: position)
        }
        return lhs
    }

    private mutating func parseAnd() throws(Abandon) -> TemplateExpression {
        var lhs = try parseNot()
        while current.kind == .name("and") {
            let position = current.position
            advance()
            lhs = TemplateExpression(.binary(.and, lhs, try parseNot()), at: position)
        }
        return lhs
    }

    private mutating func parseNot() throws(Abandon) -> TemplateExpression {
        guard current.kind == .name("not") else { return try parseComparison() }
        let position = current.position
        advance()
        return TemplateExpression(.not(try parseNot()), at: position)
    }

    private mutating func comparisonOperator() -> TemplateExpression.Operator? {
        switch current.kind {
        case .symbol("=="): return .equal
        case .symbol("!="): return .notEqual
        case .symbol("<"): return .less
        case .symbol("<="): return .lessOrEqual
        case .symbol(">"): return .greater
        case .symbol(">="): return .greaterOrEqual
        case .name("in"): return .in
        case .name("not") where nextKind == .name("in"): return .notIn
        default: return nil
        }
    }

    private mutating func parseComparison() throws(Abandon) -> TemplateExpression {
        var lhs = try parseConcatenation()
        while let op = comparisonOperator() {
            let position = current.position
            advance()
            if op == .notIn { advance() }
            lhs = TemplateExpression(.binary(op, lhs, try parseConcatenation()), at: position)
        }
        return lhs
    }

    private mutating func parseConcatenation() throws(Abandon) -> TemplateExpression {
        var lhs = try parseFiltered()
        while current.kind == .symbol("~") {
            let position = current.position
            advance()
            lhs = TemplateExpression(.binary(.concatenate, lhs, try parseFiltered()), at: position)
        }
        return lhs
    }

    private mutating func parseFiltered() throws(Abandon) -> TemplateExpression {
        var input = try parsePostfix()
        while current.kind == .symbol("|") {
            advance()
            guard case .name(let name) = current.kind else {
                throw abandon("expected a filter name after '|', found \(current.display)")
            }
            let position = current.position
            advance()
            var arguments: [TemplateExpression] = []
            if current.kind == .symbol("(") {
                arguments = try parseArguments()
            }
            guard let filter = TemplateFilter(rawValue: name) else {
                report(.unknownFilter, at: position, "unknown filter '\(name)'")
                input = TemplateExpression(.invalid, at: position)
                continue
            }
            if !filter.arity.contains(arguments.count) {
                report(.invalidArgument, at: position, Self.arityMessage("filter", name, filter.arity, arguments.count))
            }
            input = TemplateExpression(.filter(input, filter, arguments), at: position)
        }
        return input
    }

    private static func arityMessage(_ what: String, _ name: String, _ arity: ClosedRange<Int>, _ count: Int) -> String
    {
        let expected =
            arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)"
        return "\(what) '\(name)' takes \(expected) argument\(arity.upperBound == 1 ? "" : "s"), got \(count)"
    }

    /// Parses `( expression, … )` starting at the `(`.
    private mutating func parseArguments() throws(Abandon) -> [TemplateExpression] {
        try expect("(", "to open the arguments")
        var arguments: [TemplateExpression] = []
        if current.kind == .symbol(")") {
            advance()
            return arguments
        }
        while true {
            arguments.append(try parseExpression())
            if current.kind == .symbol(",") {
                advance()
                continue
            }
            try expect(")", "to close the arguments")
            return arguments
        }
    }

    private mutating func parsePostfix() throws(Abandon) -> TemplateExpression {
        var base = try parsePrimary()
        let position = base.position
        while true {
            if current.kind == .symbol(".") {
                advance()
                guard case .name(let key) = current.kind else {
                    throw abandon("expected a key name after '.', found \(current.display)")
                }
                advance()
                base = TemplateExpression(.attribute(base, key), at: position)
            } else if current.kind == .symbol("[") {
                advance()
                let index = try parseExpression()
                try expect("]", "to close the index")
                base = TemplateExpression(.index(base, index), at: position)
            } else {
                return base
            }
        }
    }

    private mutating func parsePrimary() throws(Abandon) -> TemplateExpression {
        let token = current
        switch token.kind {
        case .string(let text):
            advance()
            return TemplateExpression(.literal(.string(text)), at: token.position)
        case .integer(let number):
            advance()
            return TemplateExpression(.literal(.integer(number)), at: token.position)
        case .double(let number):
            advance()
            return TemplateExpression(.literal(.double(number)), at: token.position)
        case .symbol("("):
            advance()
            let inner = try parseExpression()
            try expect(")", "to close the parenthesis")
            return inner
        case .symbol("["):
            advance()
            var items: [TemplateExpression] = []
            if current.kind != .symbol("]") {
                while true {
                    items.append(try parseExpression())
                    guard current.kind == .symbol(",") else { break }
                    advance()
                }
            }
            try expect("]", "to close the list")
            return TemplateExpression(.list(items), at: token.position)
        case .name("true"):
            advance()
            return TemplateExpression(.literal(.bool(true)), at: token.position)
        case .name("false"):
            advance()
            return TemplateExpression(.literal(.bool(false)), at: token.position)
        case .name("null"):
            advance()
            return TemplateExpression(.literal(.null), at: token.position)
        case .name(let name) where !Self.reserved.contains(name):
            advance()
            guard current.kind == .symbol("(") else {
                return TemplateExpression(.name(name), at: token.position)
            }
            let arguments = try parseArguments()
            guard let function = TemplateFunction(rawValue: name) else {
                report(.unknownFunction, at: token.position, "unknown function '\(name)'")
                return TemplateExpression(.invalid, at: token.position)
            }
            if !function.arity.contains(arguments.count) {
                report(
                    .invalidArgument,
                    at: token.position,
                    Self.arityMessage("function", name, function.arity, arguments.count)
                )
            }
            return TemplateExpression(.call(function, arguments), at: token.position)
        default:
            throw abandon("expected an expression, found \(token.display)")
        }
    }
}
