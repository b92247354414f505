/// Why a JSON document was rejected (``SecureJSON``) or a value could not be written (``SecureJSONWriter``).
///
/// The error carries only a byte offset and a fixed reason, so it is safe to log and to show: it never
/// quotes the document. The one exception is an object key in a "duplicate key" reason, because keys are
/// field names, not secret values. Equality compares both the offset and the reason, so tests can pin the
/// exact failure.
package struct SecureJSONError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The zero-based byte offset of the offending byte in the input (or of the value that failed).
    package var offset: Int
    /// What is wrong, as a phrase (for example "expected ':' after an object key"); never document content.
    package var reason: String

    /// Creates an error. `reason` must not contain any part of a value.
    package init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// The sentence a user reads, for example `invalid JSON at byte 17: expected ':' after an object key`.
    package var description: String {
        "invalid JSON at byte \(offset): \(reason)"
    }

    /// A duplicate object key, named (keys are not secret) but shortened and with control characters escaped
    /// so that a hostile key cannot forge log lines.
    static func duplicateKey(_ key: String, at offset: Int) -> SecureJSONError {
        SecureJSONError(offset: offset, reason: "duplicate key '\(printable(key))'")
    }

    /// `key` cut to 64 characters, with control characters, quotes and backslashes escaped.
    private static func printable(_ key: String) -> String {
        var result = ""
        for (index, scalar) in key.unicodeScalars.enumerated() {
            if index == 64 {
                result += "…"
                break
            }
            switch scalar {
            case "'", "\\":
                result += "\\" + String(scalar)
            case _ where scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value):
                result += "\\u{" + String(scalar.value, radix: 16) + "}"
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
