/// A strict RFC 8259 parse of a ``Secret``'s bytes: an index of byte ranges, with no copies of values.
///
/// Backends receive HTTP response bodies as a `Secret` and must pull the secret part out without a copy
/// in ordinary memory. This type keeps a reference to the source secret and records, for every value, its
/// kind and byte range; a value leaves secure memory only when asked for, and then into a new `Secret`
/// (``Node/secretString()``, ``Node/rawBytes()``). Only non-secret fields should be read as Swift values
/// (``Node/text()``, ``Node/int()``).
///
/// The parse is strict: exactly one value with optional surrounding whitespace (space, tab, LF, CR); strings
/// are valid UTF-8 with valid escapes and no unescaped control characters, and a `\u` escape may not be an
/// unpaired surrogate; numbers follow the RFC grammar (no leading zeros, no `+`, no `NaN`); nesting is limited
/// to `maxDepth`; an object may not repeat a key (keys are compared by their unescaped bytes). The parser is
/// iterative, so a deep document cannot overflow the stack.
///
/// Object keys are kept as ordinary `String`s: they are field names, not secrets.
///
/// ```swift
/// let response = try SecureJSON(parsing: body)
/// guard let password = response.root.at("data", "data", "password")?.secretString() else { ... }
/// ```
package struct SecureJSON: Sendable {
    private let storage: Storage

    /// Parses `secret`'s bytes.
    ///
    /// - Parameters:
    ///   - secret: the document; it is retained, not copied.
    ///   - maxDepth: the deepest nesting of objects and arrays accepted (the root container is level 1).
    /// - Throws: ``SecureJSONError`` with the byte offset of the first problem.
    package init(parsing secret: Secret, maxDepth: Int = 64) throws(SecureJSONError) {
        precondition(maxDepth >= 0, "maxDepth must not be negative")
        let (records, children) = try secret.withUnsafeBytes { (bytes) throws(SecureJSONError) in
            var parser = Parser(bytes: bytes, maxDepth: maxDepth)
            try parser.parseDocument()
            return (parser.records, parser.children)
        }
        storage = Storage(source: secret, records: records, children: children)
    }

    /// The document's one top-level value.
    package var root: Node {
        Node(storage: storage, index: 0)
    }

    /// Whether `secret` is a valid JSON document whose top-level value is an object.
    package static func isObject(_ secret: Secret) -> Bool {
        (try? SecureJSON(parsing: secret))?.root.kind == .object
    }

    /// Whether `secret` is valid UTF-8 (so it can be a JSON string).
    package static func isValidUTF8(_ secret: Secret) -> Bool {
        secret.withUnsafeBytes { firstInvalidUTF8($0) == nil }
    }

    /// A JSON object whose values are the given secrets as JSON strings, built in secure memory.
    ///
    /// - Parameter members: keys and values, in the order written; keys must be distinct.
    /// - Throws: ``SecureJSONError`` if a value is not valid UTF-8 (the offset is within that value).
    package static func object(_ members: [(String, Secret)]) throws(SecureJSONError) -> Secret {
        let writer = SecureJSONWriter()
        writer.beginObject()
        for (key, value) in members {
            writer.key(key)
            try writer.string(value)
        }
        writer.endObject()
        return writer.finish()
    }
}

extension SecureJSON {
    /// What the parser records for one value.
    struct Record: Sendable {
        /// The kind of value.
        var kind: Node.Kind
        /// The offset of the value's first byte (the opening quote or bracket for strings and containers).
        var start: Int
        /// The offset just past the value's last byte.
        var end: Int
        /// Objects and arrays: where their members start in ``Storage/children``.
        var childStart = 0
        /// Objects and arrays: how many members they have.
        var childCount = 0
        /// Strings: the length in bytes once unescaped.
        var decodedCount = 0
        /// Object members: the unescaped key.
        var key: String?
    }

    /// The parsed index, shared by all nodes of one document.
    ///
    /// Immutable after the parse, so it is `Sendable`; ``Secret`` is `Sendable` and read-only.
    final class Storage: Sendable {
        /// The document's bytes; values are read from here on demand.
        let source: Secret
        /// Every value, the root first.
        let records: [Record]
        /// The members of all objects and arrays, as indices into ``records``, each container's contiguous.
        let children: [Int]

        init(source: Secret, records: [Record], children: [Int]) {
            self.source = source
            self.records = records
            self.children = children
        }
    }
}

extension SecureJSON: CustomStringConvertible, CustomReflectable {
    /// The root's kind and size, never its content.
    package var description: String {
        "SecureJSON(\(root.kind), \(storage.source.count) bytes)"
    }

    /// A mirror without children, so `dump` and debuggers never see the document.
    package var customMirror: Mirror {
        Mirror(self, children: [:], displayStyle: .struct)
    }
}
