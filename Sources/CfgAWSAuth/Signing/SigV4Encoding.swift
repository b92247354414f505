import CfgSecure

/// SigV4's URI encoding, path normalisation and header-value folding.
enum SigV4Encoding {
    /// Percent-encodes every byte except `A-Z a-z 0-9 - _ . ~` (and `/` when `keepSlash`), upper-case hex.
    static func encode(_ text: some StringProtocol, keepSlash: Bool = false) -> String {
        encode(bytes: text.utf8, keepSlash: keepSlash)
    }

    /// Percent-encodes raw bytes, so that a decoded `%FF` (not UTF-8) is encoded back as `%FF` rather than as a
    /// replacement character.
    static func encode(bytes: some Collection<UInt8>, keepSlash: Bool = false) -> String {
        var result = ""
        result.reserveCapacity(bytes.count)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                result.append("/")
            default:
                result += "%" + Hex.encode([byte]).uppercased()
            }
        }
        return result
    }

    /// Decodes `%XX` sequences (invalid ones are kept as they are); with `plusIsSpace`, `+` becomes a space, as
    /// form decoding does. Returns bytes: a decoded value need not be UTF-8.
    static func decode(_ text: some StringProtocol, plusIsSpace: Bool = false) -> [UInt8] {
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), index + 2 < utf8.count,
                let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 3
                continue
            }
            bytes.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
        return bytes
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The canonical URI: the path as sent, normalised when asked, then encoded with `/` kept, as botocore does
    /// for every service but S3.
    ///
    /// Normalising drops empty and `.` segments and lets `..` remove the segment before it; the result keeps a
    /// trailing slash only when the path as sent ends with `/` and a segment remains. That is what both
    /// aws-c-auth (`s_append_normalized_path`) and botocore (`remove_dot_segments`) do: `/a/b/..` signs as `/a`,
    /// not RFC 3986's `/a/`.
    static func canonicalPath(_ path: String, normalize: Bool) -> String {
        guard normalize else { return encode(path, keepSlash: true) }
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        var normalized = "/" + segments.joined(separator: "/")
        if path.hasSuffix("/"), !segments.isEmpty {
            normalized += "/"
        }
        return encode(normalized, keepSlash: true)
    }

    /// The canonical query: each name and value decoded then encoded, `=` kept for empty values, sorted by name
    /// then value.
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        var pairs: [(name: String, value: String)] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let name: Substring
            let value: Substring
            if let equals = part.firstIndex(of: "=") {
                name = part[..<equals]
                value = part[part.index(after: equals)...]
            } else {
                name = part
                value = ""
            }
            pairs.append(
                (
                    encode(bytes: decode(name, plusIsSpace: true)),
                    encode(bytes: decode(value, plusIsSpace: true))
                )
            )
        }
        pairs.sort {
            $0.name == $1.name
                ? Array($0.value.utf8).lexicographicallyPrecedes(Array($1.value.utf8))
                : Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8))
        }
        return pairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// Appends a header value trimmed, with every run of spaces, tabs and line breaks collapsed to one space.
    static func appendCollapsed(_ bytes: UnsafeRawBufferPointer, to buffer: SecureBuffer) {
        var pendingSpace = false
        var started = false
        for byte in bytes {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                pendingSpace = started
                continue
            }
            if pendingSpace { buffer.append(byte: 0x20) }
            pendingSpace = false
            started = true
            buffer.append(byte: byte)
        }
    }
}
