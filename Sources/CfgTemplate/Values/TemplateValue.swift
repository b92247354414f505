/// A value inside the template language.
///
/// Scalars carry a secret mark: a value that came from a backend stays marked through filters and
/// concatenation so that renderers know which output bytes are secret.
package indirect enum TemplateValue: Sendable, Hashable {
    /// A string. `origin` is kept only while the value is exactly what the backend returned.
    case string(String, secret: Bool = false, origin: SecretOrigin? = nil)
    case integer(Int, secret: Bool = false)
    case double(Double, secret: Bool = false)
    case bool(Bool, secret: Bool = false)
    case null
    case list([TemplateValue])
    /// A map with its keys in declaration order.
    case map(TemplateMap)
    /// A name that exists but whose value could not be resolved (a secret the backend did not return).
    ///
    /// Using it is an error reported at the position of the use, with this reason (never a value).
    case unresolved(reason: String)

    /// True when this scalar (or any element of a list or map) came from a backend.
    package var isSecret: Bool {
        switch self {
        case .string(_, let secret, _), .integer(_, let secret), .double(_, let secret), .bool(_, let secret):
            return secret
        case .null, .unresolved:
            return false
        case .list(let items):
            return items.contains { $0.isSecret }
        case .map(let map):
            return map.entries.contains { $0.value.isSecret }
        }
    }
}

extension TemplateValue {
    /// The value of a secret that was deliberately not fetched (see ``TemplateContext/withheldSecrets``). In a
    /// context that does not withhold it, it is an ordinary unresolved value, and this reason is the error.
    package static func withheld(secret name: String) -> TemplateValue {
        .unresolved(reason: withheldReason(secret: name))
    }

    /// The reason of ``withheld(secret:)``.
    static func withheldReason(secret name: String) -> String {
        "secret '\(name)' was not fetched: the task definition carries the settings that use it"
    }
}

/// An ordered string-keyed map, as YAML and JSON objects are written.
package struct TemplateMap: Sendable, Hashable {
    package var entries: [(key: String, value: TemplateValue)]

    package init(_ entries: [(key: String, value: TemplateValue)] = []) {
        self.entries = entries
    }

    package subscript(key: String) -> TemplateValue? {
        entries.first { $0.key == key }?.value
    }

    package static func == (lhs: TemplateMap, rhs: TemplateMap) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    package func hash(into hasher: inout Hasher) {
        for entry in entries {
            hasher.combine(entry.key)
            hasher.combine(entry.value)
        }
    }
}
