import Foundation

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
        /// Stands in for an expression that did not parse; never rendered.
        case invalid
    }

    var kind: Kind
    /// Where the expression starts; for a filter, the filter's name; for a binary operator, the operator.
    var position: SourcePosition

    init(_ kind: Kind, at position: SourcePosition) {
        self.kind = kind
        self.position = position
    }

    /// The expression as it reads in the template, used to name references in messages.
    ///
    /// Built from the source only, so it never contains a value the template was rendered with.
    var sourceText: String {
        switch kind {
        case .literal(let value):
            return Self.literalText(value)
        case .name(let name):
            return name
        case .attribute(let base, let key):
            return "\(base.sourceText).\(key)"
        case .index(let base, let index):
            return "\(base.sourceText)[\(index.sourceText)]"
        case .filter(let input, let filter, let arguments):
            let suffix = arguments.isEmpty ? "" : "(" + arguments.map(\.sourceText).joined(separator: ", ") + ")"
            return "\(input.sourceText) | \(filter.rawValue)\(suffix)"
        case .call(let function, let arguments):
            return "\(function.rawValue)(" + arguments.map(\.sourceText).joined(separator: ", ") + ")"
        case .binary(let op, let lhs, let rhs):
            return "\(lhs.sourceText) \(op.rawValue) \(rhs.sourceText)"
        case .not(let operand):
            return "not \(operand.sourceText)"
        case .list(let items):
            return "[" + items.map(\.sourceText).joined(separator: ", ") + "]"
        case .invalid:
            return "?"
        }
    }

    private static func literalText(_ value: TemplateValue) -> String {
        switch value {
        case .string(let text, _, _):
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
                .replacingOccurrences(of: "\t", with: "\\t")
            return "\"\(escaped)\""
        case .integer(let number, _): return String(number)
        case .double(let number, _): return String(number)
        case .bool(let flag, _): return String(flag)
        case .null: return "null"
        default: return "?"
        }
    }
}
