/// Builds a JSON document straight into secure memory, for request bodies that carry secrets.
///
/// Commas and colons are inserted automatically; strings are escaped per RFC 8259 (`"`, `\` and control
/// characters; nothing else). Secret strings go from their ``Secret`` into the ``SecureBuffer`` without an
/// ordinary copy, and ``finish()`` hands the document over as a ``Secret``.
///
/// ```swift
/// let writer = SecureJSONWriter()
/// writer.beginObject()
/// writer.key("SecretId")
/// writer.string(secretID)
/// writer.key("SecretString")
/// try writer.string(password)
/// writer.endObject()
/// let body = writer.finish()
/// ```
///
/// It is a final class, so helpers can take the writer as a plain parameter and add to it; like
/// ``SecureBuffer`` it is not `Sendable` (one owner writes at a time). After ``finish()`` the writer is spent.
/// Misuse that is a programming error (a value without a key in an object, unbalanced `end…` calls, a repeated
/// key, a second top-level value, any call after ``finish()``) stops the program with a precondition failure
/// that names no value.
package final class SecureJSONWriter {
    /// An object or array that is still open.
    private struct Container {
        var isObject: Bool
        /// The number of values written into it so far.
        var count = 0
        /// Objects: a key has been written and its value has not.
        var awaitingValue = false
        /// Objects: the keys written so far, compared byte for byte.
        var keys: Set<[UInt8]> = []
    }

    private let buffer = SecureBuffer()
    private var containers: [Container] = []
    private var hasRoot = false
    private var isFinished = false

    /// Creates an empty writer.
    package init() {}

    /// Opens an object.
    package func beginObject() {
        beginValue()
        buffer.append(byte: UInt8(ascii: "{"))
        containers.append(Container(isObject: true))
    }

    /// Closes the innermost container, which must be an object with no key awaiting its value.
    package func endObject() {
        precondition(!isFinished, "endObject() after finish()")
        guard let top = containers.last, top.isObject else { preconditionFailure("endObject() without an open object") }
        precondition(!top.awaitingValue, "endObject() after a key without its value")
        containers.removeLast()
        buffer.append(byte: UInt8(ascii: "}"))
    }

    /// Opens an array.
    package func beginArray() {
        beginValue()
        buffer.append(byte: UInt8(ascii: "["))
        containers.append(Container(isObject: false))
    }

    /// Closes the innermost container, which must be an array.
    package func endArray() {
        precondition(!isFinished, "endArray() after finish()")
        guard let top = containers.last, !top.isObject else { preconditionFailure("endArray() without an open array") }
        containers.removeLast()
        buffer.append(byte: UInt8(ascii: "]"))
    }

    /// Writes the key of the next member of the innermost object, escaped.
    package func key(_ name: String) {
        precondition(!isFinished, "key(_:) after finish()")
        let top = containers.count - 1
        precondition(top >= 0 && containers[top].isObject, "key(_:) outside an object")
        precondition(!containers[top].awaitingValue, "key(_:) twice without a value")
        let isNew = containers[top].keys.insert(Array(name.utf8)).inserted
        precondition(isNew, "key(_:) repeats the key '\(name)'")
        if containers[top].count > 0 { buffer.append(byte: UInt8(ascii: ",")) }
        containers[top].awaitingValue = true
        appendQuoted(name)
        buffer.append(byte: UInt8(ascii: ":"))
    }

    /// Writes non-secret text as a JSON string.
    package func string(_ value: String) {
        beginValue()
        appendQuoted(value)
    }

    /// Writes secret text as a JSON string, escaped straight from the secret into secure memory.
    ///
    /// - Throws: ``SecureJSONError`` if `value` is not valid UTF-8; the offset is that of the first bad
    ///   byte within `value`, and nothing is written.
    package func string(_ value: Secret) throws(SecureJSONError) {
        try value.withUnsafeBytes { (bytes) throws(SecureJSONError) in
            if let offset = SecureJSON.firstInvalidUTF8(bytes) {
                throw SecureJSONError(offset: offset, reason: "a string value is not valid UTF-8")
            }
            beginValue()
            buffer.append(byte: UInt8(ascii: "\""))
            SecureJSONWriter.appendEscaped(bytes, to: buffer)
            buffer.append(byte: UInt8(ascii: "\""))
        }
    }

    /// Writes an integer.
    package func number(_ value: Int) {
        beginValue()
        buffer.append(text: String(value))
    }

    /// Writes `true` or `false`.
    package func bool(_ value: Bool) {
        beginValue()
        buffer.append(text: value ? "true" : "false")
    }

    /// Writes `null`.
    package func null() {
        beginValue()
        buffer.append(text: "null")
    }

    /// Splices an already-encoded JSON value (for example a nested object from a backend), after parsing it
    /// to make sure it is one valid value. Surrounding whitespace is left out.
    ///
    /// - Throws: ``SecureJSONError`` from the parse, with the offset within `json`; nothing is written.
    package func raw(_ json: Secret) throws(SecureJSONError) {
        raw(try SecureJSON(parsing: json).root)
    }

    /// Splices a value from a parsed document exactly as it was written there (no copy in between).
    package func raw(_ node: SecureJSON.Node) {
        beginValue()
        node.withUnsafeRawBytes { buffer.append($0) }
    }

    /// The finished document; the writer is spent (its buffer is zeroed).
    ///
    /// Precondition: exactly one top-level value has been written and every container is closed.
    package func finish() -> Secret {
        precondition(!isFinished, "finish() called twice")
        precondition(hasRoot, "finish() before any value was written")
        precondition(containers.isEmpty, "finish() with \(containers.count) unclosed object(s) or array(s)")
        isFinished = true
        return buffer.finish()
    }

    /// Places the separator a new value needs and checks that a value may come here.
    private func beginValue() {
        precondition(!isFinished, "a value written after finish()")
        guard let top = containers.indices.last else {
            precondition(!hasRoot, "a JSON document holds exactly one top-level value")
            hasRoot = true
            return
        }
        if containers[top].isObject {
            precondition(containers[top].awaitingValue, "a value in an object needs key(_:) first")
            containers[top].awaitingValue = false
        } else if containers[top].count > 0 {
            buffer.append(byte: UInt8(ascii: ","))
        }
        containers[top].count += 1
    }

    /// Writes non-secret text in quotes, escaped.
    private func appendQuoted(_ text: String) {
        var text = text
        buffer.append(byte: UInt8(ascii: "\""))
        text.withUTF8 { SecureJSONWriter.appendEscaped(UnsafeRawBufferPointer($0), to: buffer) }
        buffer.append(byte: UInt8(ascii: "\""))
    }

    /// Appends valid UTF-8 with `"`, `\` and control characters escaped; runs of other bytes are copied
    /// as they are, so the escaped text never exists outside `buffer`.
    static func appendEscaped(_ bytes: UnsafeRawBufferPointer, to buffer: SecureBuffer) {
        var runStart = 0
        for offset in 0..<bytes.count {
            let byte = bytes[offset]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            buffer.append(UnsafeRawBufferPointer(rebasing: bytes[runStart..<offset]))
            runStart = offset + 1
            switch byte {
            case UInt8(ascii: "\""): buffer.append(text: "\\\"")
            case UInt8(ascii: "\\"): buffer.append(text: "\\\\")
            case 0x08: buffer.append(text: "\\b")
            case 0x0c: buffer.append(text: "\\f")
            case 0x0a: buffer.append(text: "\\n")
            case 0x0d: buffer.append(text: "\\r")
            case 0x09: buffer.append(text: "\\t")
            default:
                buffer.append(text: "\\u00")
                buffer.append(byte: hexDigit(byte >> 4))
                buffer.append(byte: hexDigit(byte & 0x0f))
            }
        }
        buffer.append(UnsafeRawBufferPointer(rebasing: bytes[runStart..<bytes.count]))
    }

    /// The lowercase ASCII hex digit for a value below 16.
    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
