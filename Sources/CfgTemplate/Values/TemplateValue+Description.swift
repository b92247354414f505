extension TemplateValue: CustomStringConvertible, CustomDebugStringConvertible {
    /// A readable form in which every secret scalar is `<REDACTED>`.
    ///
    /// The derived description of the enum would print secret values; this one never does.
    package var description: String {
        switch self {
        case .string(let text, let secret, _):
            return secret ? "<REDACTED>" : "\"\(text)\""
        case .integer(let number, let secret):
            return secret ? "<REDACTED>" : String(number)
        case .double(let number, let secret):
            return secret ? "<REDACTED>" : String(number)
        case .bool(let flag, let secret):
            return secret ? "<REDACTED>" : String(flag)
        case .null:
            return "null"
        case .list(let items):
            return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .map(let map):
            return map.description
        case .unresolved(let reason):
            return "<unresolved: \(reason)>"
        }
    }

    package var debugDescription: String { "TemplateValue(\(description))" }
}

extension TemplateMap: CustomStringConvertible, CustomDebugStringConvertible {
    /// A readable form in which every secret scalar is `<REDACTED>`.
    package var description: String {
        "{" + entries.map { "\"\($0.key)\": \($0.value.description)" }.joined(separator: ", ") + "}"
    }

    package var debugDescription: String { "TemplateMap(\(description))" }
}

extension TemplateValue: CustomReflectable {
    /// A mirror that shows only the redacted description, so `dump` never prints a secret.
    package var customMirror: Mirror { Mirror(self, children: ["value": description], displayStyle: .enum) }
}

extension TemplateMap: CustomReflectable {
    /// A mirror that shows only the redacted description, so `dump` never prints a secret.
    package var customMirror: Mirror { Mirror(self, children: ["entries": description], displayStyle: .struct) }
}
