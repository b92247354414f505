/// The encoders and decoders behind the escaping filters, written out so their output is exact.
enum TemplateEncoding {
    private static let hexDigits = Array("0123456789ABCDEF".unicodeScalars)
    private static let lowerHexDigits = Array("0123456789abcdef".unicodeScalars)
    private static let standardAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// RFC 3986 percent-encoding: every UTF-8 byte except `A-Z a-z 0-9 - . _ ~` as `%XX` (upper-case hex).
    static func percentEncode(_ text: String, spaceAsPlus: Bool = false) -> String {
        var result = String.UnicodeScalarView()
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if spaceAsPlus && scalar == " " {
                result.append("+")
                continue
            }
            let unreserved =
                ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "-" || scalar == "." || scalar == "_" || scalar == "~"
            if unreserved {
                result.append(scalar)
            } else {
                result.append("%")
                result.append(hexDigits[Int(byte >> 4)])
                result.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(result)
    }

    /// HTML form encoding, as Python's `quote_plus` writes it: ``percentEncode(_:spaceAsPlus:)`` with a space as `+`.
    static func formEncode(_ text: String) -> String {
        percentEncode(text, spaceAsPlus: true)
    }

    /// Base64 of the UTF-8 bytes, padded; the URL-safe alphabet (`-`, `_`) when `urlSafe`.
    static func base64Encode(_ text: String, urlSafe: Bool) -> String {
        let alphabet = urlSafe ? urlAlphabet : standardAlphabet
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let first = bytes[index]
            let second = index + 1 < bytes.count ? bytes[index + 1] : 0
            let third = index + 2 < bytes.count ? bytes[index + 2] : 0
            output.append(alphabet[Int(first >> 2)])
            output.append(alphabet[Int((first & 0x03) << 4 | second >> 4)])
            output.append(
                index + 1 < bytes.count ? alphabet[Int((second & 0x0F) << 2 | third >> 6)] : UInt8(ascii: "=")
            )
            output.append(index + 2 < bytes.count ? alphabet[Int(third & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes base64 (or its URL-safe form). Padding is required unless `paddingOptional`.
    ///
    /// - Returns: the bytes, or nil when the input is not valid in that alphabet.
    static func base64Decode(_ text: String, urlSafe: Bool, paddingOptional: Bool) -> [UInt8]? {
        let alphabet = urlSafe ? urlAlphabet : standardAlphabet
        var lookup = [UInt8?](repeating: nil, count: 256)
        for (value, character) in alphabet.enumerated() {
            lookup[Int(character)] = UInt8(value)
        }
        var characters = Array(text.utf8)
        var padding = 0
        while characters.last == UInt8(ascii: "=") {
            characters.removeLast()
            padding += 1
        }
        guard padding <= 2 else { return nil }
        if padding > 0 || !paddingOptional {
            guard (characters.count + padding) % 4 == 0 else { return nil }
        }
        guard characters.count % 4 != 1 else { return nil }
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for character in characters {
            guard let value = lookup[Int(character)] else { return nil }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
                buffer &= (1 << UInt32(bits)) - 1
            }
        }
        return output
    }

    /// A JSON string literal: quotes, backslash and control characters escaped, other text as is.
    static func jsonString(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        result.append("\"")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result.append(contentsOf: "\\\"".unicodeScalars)
            case "\\": result.append(contentsOf: "\\\\".unicodeScalars)
            case "\n": result.append(contentsOf: "\\n".unicodeScalars)
            case "\r": result.append(contentsOf: "\\r".unicodeScalars)
            case "\t": result.append(contentsOf: "\\t".unicodeScalars)
            case "\u{08}": result.append(contentsOf: "\\b".unicodeScalars)
            case "\u{0C}": result.append(contentsOf: "\\f".unicodeScalars)
            case "\u{00}"..."\u{1F}", "\u{7F}", "\u{2028}", "\u{2029}":
                result.append(contentsOf: "\\u".unicodeScalars)
                let value = Int(scalar.value)
                for shift in [12, 8, 4, 0] {
                    result.append(lowerHexDigits[(value >> shift) & 0xF])
                }
            default:
                result.append(scalar)
            }
        }
        result.append("\"")
        return String(result)
    }

    /// POSIX shell single-quoting: `'…'` with each `'` written as `'\''`.
    static func shellQuote(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        result.append("'")
        for scalar in text.unicodeScalars {
            if scalar == "'" {
                result.append(contentsOf: "'\\''".unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        result.append("'")
        return String(result)
    }
}
