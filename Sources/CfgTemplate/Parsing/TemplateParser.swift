import CfgSuggestion

/// Builds the node tree from lexed pieces: block structure first, then a recursive-descent parser
/// for the expressions inside each tag.
///
/// Precedence, loosest first: `or`, `and`, `not`, comparisons and `in`, `~`, `|` filters, postfix
/// `.key` and `[index]`. An expression that does not parse is recorded as a diagnostic and
/// replaced by a placeholder so that the rest of the file is still checked.
///
/// Nesting is bounded (``TemplateLimits``) so that no input can overflow the stack: an expression
/// nested too deeply abandons its tag, and blocks nested too deeply end the parse.
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
    /// The brackets, argument lists and `not`s around the expression being parsed.
    private var nesting = 0
    /// Set when blocks nested too deeply: the rest of the file is not parsed.
    private var halted = false
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
        while pieceIndex < pieces.count && !halted {
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
                case "if" where !blockTooDeep(at: position):
                    nodes.append(parseConditional(at: position))
                case "for" where !blockTooDeep(at: position):
                    if let loop = parseLoop(at: position) { nodes.append(loop) }
                case "if", "for":
                    break
                case "elif", "else", "endif", "endfor":
                    report(.syntax, at: position, "unexpected '{% \(name) %}' with no matching open block")
                default:
                    report(.syntax, at: position, "unknown tag '\(name)'")
                }
            }
        }
        return (nodes, nil)
    }

    /// True, after reporting it and halting the parse, when a block opened here would nest deeper than
    /// ``TemplateLimits/maximumBlockDepth``.
    ///
    /// The parse stops rather than skipping the block: finding its end would need the nesting the
    /// limit refuses, and the enclosing blocks' missing ends would only repeat the same problem.
    private mutating func blockTooDeep(at position: SourcePosition) -> Bool {
        // `openBlocks` holds the file's top level and every enclosing block.
        guard openBlocks.count > TemplateLimits.maximumBlockDepth else { return false }
        report(
            .tooDeep,
            at: position,
            "blocks are nested more than \(TemplateLimits.maximumBlockDepth) deep; "
                + "flatten them (combine conditions with 'and', or use 'elif')"
        )
        halted = true
        pieceIndex = pieces.count
        return true
    }

    private mutating func parseConditional(at position: SourcePosition) -> TemplateNode {
        var branches: [TemplateNode.Branch] = []
        var condition = parseTagExpression(at: position, finishing: true)
        while true {
            let (body, terminator) = parseBody(until: ["elif", "else", "endif"])
            branches.append(TemplateNode.Branch(condition: condition, body: body))
            guard let terminator else {
                if !halted { report(.unclosedTag, at: position, "unclosed 'if' block: missing '{% endif %}'") }
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
                } else if !halted {
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
        } else if !halted {
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

    /// The binding strength of `not`: between `and` and the comparisons.
    private static let notLevel = 3

    /// The binary operator at the current token and its binding strength (higher binds tighter).
    private func binaryOperator() -> (op: TemplateExpression.Operator, level: Int)? {
        switch current.kind {
        case .name("or"): return (.or, 1)
        case .name("and"): return (.and, 2)
        case .name("in"): return (.in, 4)
        case .name("not") where nextKind == .name("in"): return (.notIn, 4)
        case .symbol("=="): return (.equal, 4)
        case .symbol("!="): return (.notEqual, 4)
        case .symbol("<"): return (.less, 4)
        case .symbol("<="): return (.lessOrEqual, 4)
        case .symbol(">"): return (.greater, 4)
        case .symbol(">="): return (.greaterOrEqual, 4)
        case .symbol("~"): return (.concatenate, 5)
        default: return nil
        }
    }

    private mutating func parseExpression() throws(Abandon) -> TemplateExpression {
        try parseBinary(above: 0)
    }

    /// Parses operands joined by operators that bind tighter than `level`, left to right.
    ///
    /// One function for every level (precedence climbing) rather than one per level, so that each level
    /// of parentheses costs one frame here.
    private mutating func parseBinary(above level: Int) throws(Abandon) -> TemplateExpression {
        var lhs: TemplateExpression
        if level <= Self.notLevel && current.kind == .name("not") {
            lhs = try parseNot()
        } else {
            lhs = try parseFiltered()
        }
        while let (op, operatorLevel) = binaryOperator(), operatorLevel > level {
            let position = current.position
            advance()
            if op == .notIn { advance() }
            let rhs = try parseBinary(above: operatorLevel)
            lhs = try node(.binary(op, lhs, rhs), at: position)
        }
        return lhs
    }

    /// Parses `not` and its operand (comparisons and tighter, or another `not`), starting at the `not`.
    private mutating func parseNot() throws(Abandon) -> TemplateExpression {
        let position = current.position
        try enterNesting(at: position)
        defer { nesting -= 1 }
        advance()
        return try node(.not(try parseBinary(above: Self.notLevel)), at: position)
    }

    /// Parses an expression one level deeper: inside brackets or an argument list.
    ///
    /// - Parameter position: the token that opens the level, where a too-deep nesting is reported.
    private mutating func parseNested(openedAt position: SourcePosition) throws(Abandon) -> TemplateExpression {
        try enterNesting(at: position)
        defer { nesting -= 1 }
        return try parseExpression()
    }

    /// Counts one more level of nesting, or abandons the tag when there would be too many.
    private mutating func enterNesting(at position: SourcePosition) throws(Abandon) {
        guard nesting < TemplateLimits.maximumExpressionDepth else { throw Self.tooDeep(at: position) }
        nesting += 1
    }

    /// A new expression node, unless it would be deeper than ``TemplateLimits/maximumExpressionDepth``.
    ///
    /// - Parameter reported: where to report a too-deep node (the operator or filter that made it so).
    private func node(
        _ kind: TemplateExpression.Kind,
        at position: SourcePosition,
        reportedAt reported: SourcePosition? = nil
    ) throws(Abandon) -> TemplateExpression {
        let expression = TemplateExpression(kind, at: position)
        guard expression.depth <= TemplateLimits.maximumExpressionDepth else {
            throw Self.tooDeep(at: reported ?? position)
        }
        return expression
    }

    private static func tooDeep(at position: SourcePosition) -> Abandon {
        Abandon(
            diagnostic: TemplateDiagnostic(
                code: .tooDeep,
                position: position,
                message: "expressions are nested more than \(TemplateLimits.maximumExpressionDepth) deep; split it"
            )
        )
    }

    // The functions on the path of a nested expression (parseFiltered, parsePostfix, parsePrimary) only
    // dispatch, and leave the work to helpers: a debug build gives every local of a function its own stack
    // slot, and each level of parentheses holds one frame of each.

    private mutating func parseFiltered() throws(Abandon) -> TemplateExpression {
        var input = try parsePostfix()
        while current.kind == .symbol("|") {
            input = try parseFilter(on: input)
        }
        return input
    }

    /// Parses `| name` or `| name(arguments…)` after `input`, starting at the `|`.
    private mutating func parseFilter(on input: TemplateExpression) throws(Abandon) -> TemplateExpression {
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
            let known = TemplateFilter.allCases.map(\.rawValue)
            report(.unknownFilter, at: position, "unknown filter '\(name)'" + Suggestion.didYouMean(name, among: known))
            return TemplateExpression(.invalid, at: position)
        }
        if !filter.arity.contains(arguments.count) {
            report(.invalidArgument, at: position, Self.arityMessage("filter", name, filter.arity, arguments.count))
        }
        return try node(.filter(input, filter, arguments), at: position)
    }

    private static func arityMessage(_ what: String, _ name: String, _ arity: ClosedRange<Int>, _ count: Int) -> String
    {
        let expected =
            arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "\(arity.lowerBound) to \(arity.upperBound)"
        return "\(what) '\(name)' takes \(expected) argument\(arity.upperBound == 1 ? "" : "s"), got \(count)"
    }

    /// Parses `( expression, … )` starting at the `(`.
    private mutating func parseArguments() throws(Abandon) -> [TemplateExpression] {
        let opening = current.position
        try expect("(", "to open the arguments")
        var arguments: [TemplateExpression] = []
        if current.kind == .symbol(")") {
            advance()
            return arguments
        }
        while true {
            arguments.append(try parseNested(openedAt: opening))
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
        while current.kind == .symbol(".") || current.kind == .symbol("[") {
            base = try parseKeyOrIndex(of: base)
        }
        return base
    }

    /// Parses `.key` or `[index]` after `base`, starting at the `.` or `[`.
    private mutating func parseKeyOrIndex(of base: TemplateExpression) throws(Abandon) -> TemplateExpression {
        let operator_ = current.position
        if current.kind == .symbol(".") {
            advance()
            guard case .name(let key) = current.kind else {
                throw abandon("expected a key name after '.', found \(current.display)")
            }
            advance()
            return try node(.attribute(base, key), at: base.position, reportedAt: operator_)
        }
        advance()
        let index = try parseNested(openedAt: operator_)
        try expect("]", "to close the index")
        return try node(.index(base, index), at: base.position, reportedAt: operator_)
    }

    private mutating func parsePrimary() throws(Abandon) -> TemplateExpression {
        switch current.kind {
        case .symbol("("): return try parseParenthesized()
        case .symbol("["): return try parseList()
        case .symbol("{"): return try parseMap()
        default: return try parseOperand()
        }
    }

    /// Parses `( expression )` starting at the `(`.
    private mutating func parseParenthesized() throws(Abandon) -> TemplateExpression {
        let opening = current.position
        advance()
        let inner = try parseNested(openedAt: opening)
        try expect(")", "to close the parenthesis")
        return inner
    }

    /// Parses `[ expression, … ]` starting at the `[`.
    private mutating func parseList() throws(Abandon) -> TemplateExpression {
        let opening = current.position
        advance()
        var items: [TemplateExpression] = []
        if current.kind != .symbol("]") {
            while true {
                items.append(try parseNested(openedAt: opening))
                guard current.kind == .symbol(",") else { break }
                advance()
            }
        }
        try expect("]", "to close the list")
        return try node(.list(items), at: opening)
    }

    /// Parses `{ "key": expression, … }` starting at the `{`.
    ///
    /// Keys are string literals; a key written twice is reported at its second occurrence and the first is kept,
    /// so the rest of the tag is still checked.
    private mutating func parseMap() throws(Abandon) -> TemplateExpression {
        let opening = current.position
        advance()
        var entries: [(key: String, value: TemplateExpression)] = []
        var keys: [String: SourcePosition] = [:]
        if current.kind != .symbol("}") {
            while true {
                let key = try parseMapKey()
                try expect(":", "after the map key")
                let value = try parseNested(openedAt: opening)
                if let first = keys[key.text] {
                    report(
                        .syntax,
                        at: key.position,
                        "duplicate key \(TemplateExpression.literalText(.string(key.text))) in the map "
                            + "(first at line \(first.line), column \(first.column)); remove one of them"
                    )
                } else {
                    keys[key.text] = key.position
                    entries.append((key: key.text, value: value))
                }
                guard current.kind == .symbol(",") else { break }
                advance()
            }
        }
        try expect("}", "to close the map")
        return try node(.map(entries), at: opening)
    }

    /// Parses the string literal that starts a map entry.
    private mutating func parseMapKey() throws(Abandon) -> (text: String, position: SourcePosition) {
        guard case .string(let text) = current.kind else {
            throw abandon("expected a string key in the map, found \(current.display)")
        }
        let position = current.position
        advance()
        return (text, position)
    }

    /// Parses a literal, a name or a function call.
    private mutating func parseOperand() throws(Abandon) -> TemplateExpression {
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
                let known = TemplateFunction.allCases.map(\.rawValue)
                report(
                    .unknownFunction,
                    at: token.position,
                    "unknown function '\(name)'" + Suggestion.didYouMean(name, among: known)
                )
                return TemplateExpression(.invalid, at: token.position)
            }
            if !function.arity.contains(arguments.count) {
                report(
                    .invalidArgument,
                    at: token.position,
                    Self.arityMessage("function", name, function.arity, arguments.count)
                )
            }
            return try node(.call(function, arguments), at: token.position)
        default:
            throw abandon("expected an expression, found \(token.display)")
        }
    }
}
