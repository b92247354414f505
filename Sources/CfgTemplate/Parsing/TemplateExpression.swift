import FoundationEssentials

/// An expression node of the template language, with the position where it starts.
struct TemplateExpression: Sendable {
    /// A binary operator.
    enum Operator: String, Sendable {
        case or
        case and
        case equal = "=="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case `in`
        case notIn = "not in"
        case concatenate = "~"
    }

    /// The shape of the expression.
    indirect enum Kind: Sendable {
        case literal(TemplateValue)
        case name(String)
        /// `base.key`.
        case attribute(TemplateExpression, String)
        /// `base[index]`.
        case index(TemplateExpression, TemplateExpression)
        /// `input | filter(arguments…)`.
        case filter(TemplateExpression, TemplateFilter, [TemplateExpression])
        /// `function(arguments…)`.
        case call(TemplateFunction, [TemplateExpression])
        case binary(Operator, TemplateExpression, TemplateExpression)
        case not(TemplateExpression)
        /// `[a, b, …]`.
        case list([TemplateExpression])
        /// `{"key": a, 'other': b, …}`: string keys, unique, in the order written.
        case map([(key: String, value: TemplateExpression)])
        /// Stands in for an expression that did not parse; never rendered.
        case invalid
    }

    var kind: Kind
    /// Where the expression starts; for a filter, the filter's name; for a binary operator, the operator.
    var position: SourcePosition
    /// How many operations are applied one to the result of another on the longest path to a leaf:
    /// 0 for a literal or a name, 1 for `a ~ b`, 2 for `x | trim | upper`. Everything that walks the
    /// tree recurses this deep, so the parser keeps it within ``TemplateLimits/maximumExpressionDepth``.
    let depth: Int

    init(_ kind: Kind, at position: SourcePosition) {
        self.kind = kind
        self.position = position
        switch kind {
        case .literal, .name, .invalid:
            depth = 0
        case .attribute(let base, _), .not(let base):
            depth = base.depth + 1
        case .index(let base, let index), .binary(_, let base, let index):
            depth = max(base.depth, index.depth) + 1
        case .filter(let input, _, let arguments):
            depth = arguments.reduce(input.depth) { max($0, $1.depth) } + 1
        case .call(_, let items), .list(let items):
            depth = items.reduce(0) { max($0, $1.depth) } + 1
        case .map(let entries):
            depth = entries.reduce(0) { max($0, $1.value.depth) } + 1
        }
    }

    /// The longest ``sourceText``, in UTF-8 bytes, before it is cut short with `…`.
    static let maximumSourceTextBytes = 120

    /// The expression as it reads in the template, used to name references in messages.
    ///
    /// Built from the source only, so it never contains a value the template was rendered with. Cut
    /// short after ``maximumSourceTextBytes`` (and string literals after 40 characters), so that a
    /// message stays one readable line and building it costs no more than the expression's size in nodes.
    var sourceText: String {
        var text = ""
        appendSource(to: &text)
        guard text.utf8.count > Self.maximumSourceTextBytes else { return text }
        var cut = String.UnicodeScalarView()
        var bytes = 0
        for scalar in text.unicodeScalars {
            bytes += UTF8.width(scalar)
            if bytes > Self.maximumSourceTextBytes { break }
            cut.append(scalar)
        }
        return String(cut) + "…"
    }

    private func appendSource(to text: inout String) {
        guard text.utf8.count <= Self.maximumSourceTextBytes else { return }
        switch kind {
        case .literal(let value):
            text += Self.literalText(value)
        case .name(let name):
            text += name
        case .attribute(let base, let key):
            base.appendSource(to: &text)
            text += "." + key
        case .index(let base, let index):
            base.appendSource(to: &text)
            text += "["
            index.appendSource(to: &text)
            text += "]"
        case .filter(let input, let filter, let arguments):
            input.appendSource(to: &text)
            text += " | " + filter.rawValue
            if !arguments.isEmpty { Self.appendList(arguments, "(", ")", to: &text) }
        case .call(let function, let arguments):
            text += function.rawValue
            Self.appendList(arguments, "(", ")", to: &text)
        case .binary(let op, let lhs, let rhs):
            lhs.appendSource(to: &text)
            text += " " + op.rawValue + " "
            rhs.appendSource(to: &text)
        case .not(let operand):
            text += "not "
            operand.appendSource(to: &text)
        case .list(let items):
            Self.appendList(items, "[", "]", to: &text)
        case .map(let entries):
            text += "{"
            for (offset, entry) in entries.enumerated() {
                guard text.utf8.count <= Self.maximumSourceTextBytes else { return }
                if offset > 0 { text += ", " }
                text += Self.literalText(.string(entry.key)) + ": "
                entry.value.appendSource(to: &text)
            }
            text += "}"
        case .invalid:
            text += "?"
        }
    }

    private static func appendList(
        _ items: [TemplateExpression],
        _ open: String,
        _ close: String,
        to text: inout String
    ) {
        text += open
        for (offset, item) in items.enumerated() {
            guard text.utf8.count <= maximumSourceTextBytes else { return }
            if offset > 0 { text += ", " }
            item.appendSource(to: &text)
        }
        text += close
    }

    /// A literal as it would be written in a template (strings quoted and escaped, cut after 40 characters).
    static func literalText(_ value: TemplateValue) -> String {
        switch value {
        case .string(let whole, _, _):
            let text =
                whole.unicodeScalars.prefix(41).count > 40 ? String(whole.unicodeScalars.prefix(40)) + "…" : whole
            let escaped = text.replacing("\\", with: "\\\\")
                .replacing("\"", with: "\\\"")
                .replacing("\n", with: "\\n")
                .replacing("\t", with: "\\t")
            return "\"\(escaped)\""
        case .integer(let number, _): return String(number)
        case .double(let number, _): return String(number)
        case .bool(let flag, _): return String(flag)
        case .null: return "null"
        default: return "?"
        }
    }
}
