import CfgConfig
import CfgSecure
import CfgTemplate

extension TemplateValue {
    /// A plain value from the environment file (never secret).
    init(_ value: ConfigValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .integer(let number): self = .integer(number)
        case .double(let number): self = .double(number)
        case .bool(let flag): self = .bool(flag)
        case .null: self = .null
        case .list(let items): self = .list(items.map(TemplateValue.init))
        case .map(let entries): self = .map(TemplateMap(entries.map { ($0.key, TemplateValue($0.value)) }))
        }
    }

    /// A secret's payload as templates see it: a JSON object becomes a map of secret values, anything else a
    /// secret string. Top-level string values keep their origin so renderers can deliver them by reference.
    ///
    /// The object is walked straight from `document`, the one parse of `payload` (``SecretResolver``): values
    /// leave secure memory only as the Swift values a template needs. Only a payload whose first byte is `{` is an
    /// object (one with leading whitespace is text); a document with a number beyond `Double`'s range is text too.
    ///
    /// - Parameters:
    ///   - payload: the secret's bytes as fetched.
    ///   - document: `payload` parsed (nil when it is not JSON).
    ///   - name: the secret's declared name, for the origins.
    init(payload: Secret, document: SecureJSON?, name: String) {
        let startsAnObject = payload.withUnsafeBytes { $0.first == UInt8(ascii: "{") }
        if startsAnObject, let root = document?.root, let map = Self.map(root, secret: name) {
            self = .map(map)
        } else {
            // The whole payload as a Swift String, which templates need and which cannot be zeroed (SECURITY.md).
            self = .string(payload.stringValue() ?? "", secret: true, origin: SecretOrigin(secret: name))
        }
    }

    /// The members of a JSON object, sorted by key (at every level, for determinism), each marked secret; nil if
    /// `node` is not an object or holds a number beyond `Double`'s range.
    ///
    /// - Parameter secret: the secret's name when `node` is its top level: members then carry their origin.
    private static func map(_ node: SecureJSON.Node, secret: String?) -> TemplateMap? {
        guard node.kind == .object else { return nil }
        var entries: [(key: String, value: TemplateValue)] = []
        for member in node.members.sorted(by: { $0.key < $1.key }) {
            let origin = secret.map { SecretOrigin(secret: $0, key: member.key) }
            guard let value = TemplateValue(secret: member.value, origin: origin) else { return nil }
            entries.append((member.key, value))
        }
        return TemplateMap(entries)
    }

    /// A JSON value from a secret, marked secret; nil when it is or holds a number beyond `Double`'s range.
    private init?(secret node: SecureJSON.Node, origin: SecretOrigin?) {
        switch node.kind {
        case .string:
            // A Swift String, which templates need and which cannot be zeroed (SECURITY.md): the one copy of the
            // value out of secure memory, unescaped straight from the document.
            self = .string(node.text() ?? "", secret: true, origin: origin)
        case .number:
            guard let number = Self.number(node) else { return nil }
            self = number
        case .bool:
            self = .bool(node.bool() ?? false, secret: true)
        case .null:
            self = .null
        case .array:
            var items: [TemplateValue] = []
            for element in node.elements {
                guard let item = TemplateValue(secret: element, origin: nil) else { return nil }
                items.append(item)
            }
            self = .list(items)
        case .object:
            guard let map = Self.map(node, secret: nil) else { return nil }
            self = .map(map)
        }
    }

    /// A JSON number as templates have always seen it (Foundation's `JSONDecoder` decoding `Int`, then `Double`):
    /// an integer when the value is a whole number `Int` holds (`5432`, `5432.0`, `1e3`), otherwise a `Double`
    /// (`1.5`); nil beyond `Double`'s range.
    private static func number(_ node: SecureJSON.Node) -> TemplateValue? {
        if let integer = node.int() { return .integer(integer, secret: true) }
        guard let value = node.secureDouble(), value.isFinite else { return nil }
        if let integer = Int(exactly: value) {
            // Below 2^53 the Double is exact; from there on JSONDecoder reads the text itself, without the fraction.
            if value.magnitude < 0x1p53 { return .integer(integer, secret: true) }
            if let exact = node.truncatedInt() { return .integer(exact, secret: true) }
        }
        return .double(value, secret: true)
    }
}
