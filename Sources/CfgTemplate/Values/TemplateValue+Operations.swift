/// Helpers the evaluator and the filters use on values.
extension TemplateValue {
    /// A word for the value's kind, safe to put in a message (never the value itself).
    var kindName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .double: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        case .list: return "a list"
        case .map: return "a map"
        case .unresolved: return "an unresolved value"
        }
    }

    /// How `{{ }}` prints a scalar: strings as is, integers in decimal, doubles in the shortest form
    /// that reads back the same, booleans as `true`/`false`; nil for null, lists, maps.
    var scalarText: String? {
        switch self {
        case .string(let text, _, _): return text
        case .integer(let number, _): return String(number)
        case .double(let number, _): return String(number)
        case .bool(let flag, _): return flag ? "true" : "false"
        case .null, .list, .map, .unresolved: return nil
        }
    }

    /// The value with every scalar marked secret when `secret` is true; unchanged otherwise.
    /// The origin is dropped either way when marking.
    func markedSecret(_ secret: Bool) -> TemplateValue {
        guard secret else { return self }
        switch self {
        case .string(let text, _, _): return .string(text, secret: true)
        case .integer(let number, _): return .integer(number, secret: true)
        case .double(let number, _): return .double(number, secret: true)
        case .bool(let flag, _): return .bool(flag, secret: true)
        case .null, .unresolved: return self
        case .list(let items): return .list(items.map { $0.markedSecret(true) })
        case .map(let map):
            return .map(TemplateMap(map.entries.map { (key: $0.key, value: $0.value.markedSecret(true)) }))
        }
    }

    /// The value without its origin: what any filter or concatenation returns.
    var droppingOrigin: TemplateValue {
        switch self {
        case .string(let text, let secret, _): return .string(text, secret: secret)
        default: return self
        }
    }

    /// The reason of the first `.unresolved` value inside this value, if any.
    var firstUnresolvedReason: String? {
        switch self {
        case .unresolved(let reason): return reason
        case .list(let items): return items.lazy.compactMap(\.firstUnresolvedReason).first
        case .map(let map): return map.entries.lazy.compactMap(\.value.firstUnresolvedReason).first
        default: return nil
        }
    }

    /// The value as a number, for comparisons.
    var numericValue: Double? {
        switch self {
        case .integer(let number, _): return Double(number)
        case .double(let number, _): return number
        default: return nil
        }
    }

    /// Equality that ignores secret marks and origins; an integer equals the same double.
    func plainEquals(_ other: TemplateValue) -> Bool {
        switch (self, other) {
        case (.string(let lhs, _, _), .string(let rhs, _, _)): return lhs == rhs
        case (.integer(let lhs, _), .integer(let rhs, _)): return lhs == rhs
        case (.integer, .double), (.double, .integer), (.double, .double):
            return numericValue == other.numericValue
        case (.bool(let lhs, _), .bool(let rhs, _)): return lhs == rhs
        case (.null, .null): return true
        case (.list(let lhs), .list(let rhs)):
            return lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { $0.plainEquals($1) }
        case (.map(let lhs), .map(let rhs)):
            return lhs.entries.count == rhs.entries.count
                && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value.plainEquals($1.value) }
        default: return false
        }
    }

    /// Truthiness for `if`, `and`, `or`, `not`: false, null, 0, empty strings, lists and maps are false.
    var isTruthy: Bool {
        switch self {
        case .bool(let flag, _): return flag
        case .null, .unresolved: return false
        case .string(let text, _, _): return !text.isEmpty
        case .integer(let number, _): return number != 0
        case .double(let number, _): return number != 0
        case .list(let items): return !items.isEmpty
        case .map(let map): return !map.entries.isEmpty
        }
    }
}
