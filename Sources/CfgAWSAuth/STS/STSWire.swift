import CfgSecure

/// An `application/x-www-form-urlencoded` body assembled in guarded memory, because one of its values (the web
/// identity token) is secret.
///
/// Names and values are percent-encoded byte by byte; only `A-Z a-z 0-9 - _ . ~` stay as they are, which every
/// form decoder accepts.
final class STSForm {
    private let buffer = SecureBuffer(capacity: 1024)

    /// Appends `name=value` (with `&` before all but the first).
    func add(_ name: String, _ value: String) {
        separate(name)
        var value = value
        value.withUTF8 { appendEncoded(UnsafeRawBufferPointer($0)) }
    }

    /// Appends `name=<secret>`, encoding the secret's bytes straight into guarded memory.
    func add(_ name: String, secret: Secret) {
        separate(name)
        secret.withUnsafeBytes { appendEncoded($0) }
    }

    /// The body; the form is empty afterwards.
    func finish() -> Secret { buffer.finish() }

    private func separate(_ name: String) {
        if !buffer.isEmpty { buffer.append(byte: UInt8(ascii: "&")) }
        var name = name
        name.withUTF8 { appendEncoded(UnsafeRawBufferPointer($0)) }
        buffer.append(byte: UInt8(ascii: "="))
    }

    private func appendEncoded(_ bytes: UnsafeRawBufferPointer) {
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                buffer.append(byte: byte)
            default:
                buffer.append(byte: UInt8(ascii: "%"))
                buffer.append(byte: hex[Int(byte >> 4)])
                buffer.append(byte: hex[Int(byte & 0x0F)])
            }
        }
    }
}

/// Reads the few fields cfg needs from an STS XML response without an XML parser, so that the secret values go
/// from the response's guarded memory straight into new ``Secret``s.
///
/// STS answers are machine-written and flat: `…<Credentials><AccessKeyId>…</AccessKeyId><SecretAccessKey>…
/// </SecretAccessKey><SessionToken>…</SessionToken><Expiration>…</Expiration></Credentials>…`, or
/// `<ErrorResponse><Error><Type>…</Type><Code>…</Code><Message>…</Message></Error>…`. Element content is
/// decoded (the five predefined entities and numeric character references); content with markup in it (`<`,
/// including CDATA) is rejected rather than guessed at.
enum STSXML {
    /// The credentials of an `AssumeRole*` answer.
    struct Credentials {
        var accessKeyID: String
        var secretAccessKey: Secret
        var sessionToken: Secret
        /// As written (ISO 8601).
        var expiration: String
    }

    /// The `<Credentials>` of a successful answer; nil if a field is missing or undecodable.
    static func credentials(in body: Secret) -> Credentials? {
        body.withUnsafeBytes { bytes -> Credentials? in
            guard let block = element("Credentials", in: bytes, within: 0..<bytes.count),
                let keyRange = element("AccessKeyId", in: bytes, within: block),
                let secretRange = element("SecretAccessKey", in: bytes, within: block),
                let tokenRange = element("SessionToken", in: bytes, within: block),
                let expirationRange = element("Expiration", in: bytes, within: block),
                let key = decoded(bytes, keyRange), let secret = decoded(bytes, secretRange),
                let token = decoded(bytes, tokenRange), let expiration = decoded(bytes, expirationRange),
                !key.isEmpty, !secret.isEmpty, !token.isEmpty
            else { return nil }
            // The key id and the expiry are not secret and are needed as text.
            guard let keyText = key.stringValue(), let expirationText = expiration.stringValue() else { return nil }
            return Credentials(
                accessKeyID: keyText,
                secretAccessKey: secret,
                sessionToken: token,
                expiration: expirationText
            )
        }
    }

    /// The `<Code>` of an `<Error>`, when it looks like an error code (see ``CredentialText/errorCode(_:)``).
    static func errorCode(in body: Secret) -> String? {
        body.withUnsafeBytes { bytes -> String? in
            guard let error = element("Error", in: bytes, within: 0..<bytes.count),
                let codeRange = element("Code", in: bytes, within: error),
                let code = decoded(bytes, codeRange)
            else { return nil }
            return CredentialText.errorCode(code.stringValue())
        }
    }

    /// The content range of the first `<name>…</name>` (or `<name attributes>…</name>`) inside `range`.
    static func element(_ name: String, in bytes: UnsafeRawBufferPointer, within range: Range<Int>) -> Range<Int>? {
        let open = Array("<\(name)".utf8)
        let close = Array("</\(name)>".utf8)
        var from = range.lowerBound
        while let start = find(open, in: bytes, within: from..<range.upperBound) {
            let after = start + open.count
            guard after < range.upperBound else { return nil }
            let next = bytes[after]
            if next == UInt8(ascii: ">") || next == UInt8(ascii: " ") || next == 0x09 || next == 0x0A || next == 0x0D {
                guard let tagEnd = find([UInt8(ascii: ">")], in: bytes, within: after..<range.upperBound),
                    bytes[tagEnd - 1] != UInt8(ascii: "/"),
                    let end = find(close, in: bytes, within: tagEnd + 1..<range.upperBound)
                else { return nil }
                return tagEnd + 1..<end
            }
            from = after
        }
        return nil
    }

    /// The first occurrence of `needle` inside `range`.
    private static func find(_ needle: [UInt8], in bytes: UnsafeRawBufferPointer, within range: Range<Int>) -> Int? {
        guard !needle.isEmpty, range.count >= needle.count else { return nil }
        var index = range.lowerBound
        let last = range.upperBound - needle.count
        while index <= last {
            if bytes[index] == needle[0] {
                var matched = true
                for offset in 1..<needle.count where bytes[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }

    /// Element content with entities and character references decoded, in guarded memory; nil if it holds
    /// markup or an unknown or invalid reference.
    static func decoded(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Secret? {
        let output = SecureBuffer(capacity: range.count)
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            if byte == UInt8(ascii: "<") { return nil }
            guard byte == UInt8(ascii: "&") else {
                output.append(byte: byte)
                index += 1
                continue
            }
            guard
                let semicolon = find(
                    [UInt8(ascii: ";")],
                    in: bytes,
                    within: index + 1..<min(range.upperBound, index + 12)
                )
            else { return nil }
            // Compared in place: the reference is part of the secret value.
            let name = UnsafeRawBufferPointer(rebasing: bytes[index + 1..<semicolon])
            if name.elementsEqual("amp".utf8) {
                output.append(byte: UInt8(ascii: "&"))
            } else if name.elementsEqual("lt".utf8) {
                output.append(byte: UInt8(ascii: "<"))
            } else if name.elementsEqual("gt".utf8) {
                output.append(byte: UInt8(ascii: ">"))
            } else if name.elementsEqual("quot".utf8) {
                output.append(byte: UInt8(ascii: "\""))
            } else if name.elementsEqual("apos".utf8) {
                output.append(byte: UInt8(ascii: "'"))
            } else {
                guard let scalar = characterReference(name) else { return nil }
                UTF8.encode(scalar) { output.append(byte: $0) }
            }
            index = semicolon + 1
        }
        return output.finish()
    }

    /// `#123` or `#x7B` as a scalar XML allows (not NUL, not a surrogate).
    private static func characterReference(_ name: UnsafeRawBufferPointer) -> Unicode.Scalar? {
        guard name.count >= 2, name[0] == UInt8(ascii: "#") else { return nil }
        let hex = name[1] == UInt8(ascii: "x") || name[1] == UInt8(ascii: "X")
        let digits = name[(hex ? 2 : 1)...]
        guard !digits.isEmpty, digits.count <= 8 else { return nil }
        var value: UInt32 = 0
        for digit in digits {
            let nibble: UInt32
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = UInt32(digit - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f") where hex: nibble = UInt32(digit - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F") where hex: nibble = UInt32(digit - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value * (hex ? 16 : 10) + nibble
        }
        guard value != 0, let scalar = Unicode.Scalar(value) else { return nil }
        return scalar
    }
}
