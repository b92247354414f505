/// How text from an environment file (or from the command line) may appear in a message.
///
/// A YAML file can hold a secret by mistake (`token:VALUE` without a space reads as one key), and messages end up
/// in CI logs: a scalar from the file is never echoed, and a name is shown only when it looks like one.
package enum ConfigText {
    /// The longest name a message shows.
    static let longestShownName = 64

    /// Whether `text` may appear in a message: `[A-Za-z_][A-Za-z0-9_-]*`, at most ``longestShownName`` characters.
    static func isShownName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.unicodeScalars.count <= longestShownName,
            isLetter(first) || first == "_"
        else { return false }
        return text.unicodeScalars.allSatisfy { isLetter($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    /// A key for a message: `'name'` when it looks like a name, else where it is written
    /// (`a key at line 3, column 5 (not a valid name)`).
    static func key(_ name: String, at position: ConfigPosition) -> String {
        isShownName(name) ? "'\(name)'" : "a key at line \(position.line), column \(position.column) (not a valid name)"
    }

    /// A dotted-path component for a key: the key itself when it looks like a name, else its position.
    static func pathComponent(_ name: String, at position: ConfigPosition) -> String {
        isShownName(name) ? name : "<key at line \(position.line), column \(position.column)>"
    }

    /// `text` with every control character (and the line and paragraph separators) written as an escape, so that
    /// a file name from the command line cannot start a forged line in a log: `a\nb` → `a\\nb`.
    package static func escaped(_ text: String) -> String {
        // Most names are printable ASCII without a backslash: nothing to escape, no scalar property to look up.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }) { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\\": result += "\\\\"
            default:
                let category = scalar.properties.generalCategory
                if category == .control || category == .lineSeparator || category == .paragraphSeparator
                    || category == .format
                {
                    result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}
