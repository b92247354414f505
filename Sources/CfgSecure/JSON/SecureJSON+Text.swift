extension SecureJSON {
    /// The length of the well-formed UTF-8 sequence starting at `offset`, or `nil` if the bytes there are
    /// not one (a stray continuation byte, an overlong form, an encoded surrogate, a value above U+10FFFF,
    /// or a sequence cut short).
    ///
    /// The ranges are those of the Unicode Standard, table 3-7.
    static func utf8SequenceLength(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int? {
        let lead = bytes[offset]
        let length: Int
        // The allowed range of the second byte; later bytes are always 0x80...0xBF.
        let second: ClosedRange<UInt8>
        switch lead {
        case 0x00...0x7f: return 1
        case 0xc2...0xdf: (length, second) = (2, 0x80...0xbf)
        case 0xe0: (length, second) = (3, 0xa0...0xbf)
        case 0xe1...0xec, 0xee...0xef: (length, second) = (3, 0x80...0xbf)
        case 0xed: (length, second) = (3, 0x80...0x9f)
        case 0xf0: (length, second) = (4, 0x90...0xbf)
        case 0xf1...0xf3: (length, second) = (4, 0x80...0xbf)
        case 0xf4: (length, second) = (4, 0x80...0x8f)
        default: return nil
        }
        guard offset + length <= bytes.count, second.contains(bytes[offset + 1]) else { return nil }
        for index in (offset + 2)..<(offset + length) where !(0x80...0xbf).contains(bytes[index]) {
            return nil
        }
        return length
    }

    /// The offset of the first byte that does not start a well-formed UTF-8 sequence, or `nil` if all do.
    static func firstInvalidUTF8(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var offset = 0
        while offset < bytes.count {
            guard let length = utf8SequenceLength(bytes, at: offset) else { return offset }
            offset += length
        }
        return nil
    }

    /// The value of an ASCII hexadecimal digit, or `nil`.
    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// The four hex digits at `offset` as a UTF-16 code unit, or `nil` if they are not four hex digits.
    static func codeUnit(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32? {
        guard offset + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for index in offset..<(offset + 4) {
            guard let digit = hexValue(bytes[index]) else { return nil }
            value = value << 4 | digit
        }
        return value
    }

    /// How many bytes `scalar` takes in UTF-8.
    static func utf8Length(of scalar: UInt32) -> Int {
        switch scalar {
        case 0..<0x80: 1
        case 0x80..<0x800: 2
        case 0x800..<0x10000: 3
        default: 4
        }
    }

    /// Writes the unescaped content of a string the parser has already validated.
    ///
    /// - Parameters:
    ///   - source: the document.
    ///   - start: the first byte after the opening quote.
    ///   - end: the closing quote.
    ///   - output: exactly the string's decoded length; written from the start, straight from `source`.
    static func unescape(
        _ source: UnsafeRawBufferPointer,
        from start: Int,
        to end: Int,
        into output: UnsafeMutableRawBufferPointer
    ) {
        var input = start
        var written = 0
        while input < end {
            // Copy the run up to the next backslash in one go.
            var runEnd = input
            while runEnd < end, source[runEnd] != UInt8(ascii: "\\") { runEnd += 1 }
            if runEnd > input {
                UnsafeMutableRawBufferPointer(rebasing: output[written..<(written + runEnd - input)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[input..<runEnd]))
                written += runEnd - input
                input = runEnd
            }
            guard input < end else { break }
            let escape = source[input + 1]
            input += 2
            let byte: UInt8
            switch escape {
            case UInt8(ascii: "b"): byte = 0x08
            case UInt8(ascii: "f"): byte = 0x0c
            case UInt8(ascii: "n"): byte = 0x0a
            case UInt8(ascii: "r"): byte = 0x0d
            case UInt8(ascii: "t"): byte = 0x09
            case UInt8(ascii: "u"):
                var scalar = codeUnit(source, at: input) ?? 0xfffd
                input += 4
                if (0xd800...0xdbff).contains(scalar) {
                    let low = codeUnit(source, at: input + 2) ?? 0xdc00
                    scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
                    input += 6
                }
                written += encodeUTF8(scalar, into: output, at: written)
                continue
            default: byte = escape  // '"', '\\' and '/' stand for themselves.
            }
            output[written] = byte
            written += 1
        }
        assert(written == output.count, "decoded length disagrees with the parser's count")
    }

    /// Writes `scalar` as UTF-8 at `offset` and returns the number of bytes written.
    private static func encodeUTF8(
        _ scalar: UInt32,
        into output: UnsafeMutableRawBufferPointer,
        at offset: Int
    ) -> Int {
        switch utf8Length(of: scalar) {
        case 1:
            output[offset] = UInt8(scalar)
            return 1
        case 2:
            output[offset] = UInt8(0xc0 | scalar >> 6)
            output[offset + 1] = UInt8(0x80 | scalar & 0x3f)
            return 2
        case 3:
            output[offset] = UInt8(0xe0 | scalar >> 12)
            output[offset + 1] = UInt8(0x80 | scalar >> 6 & 0x3f)
            output[offset + 2] = UInt8(0x80 | scalar & 0x3f)
            return 3
        default:
            output[offset] = UInt8(0xf0 | scalar >> 18)
            output[offset + 1] = UInt8(0x80 | scalar >> 12 & 0x3f)
            output[offset + 2] = UInt8(0x80 | scalar >> 6 & 0x3f)
            output[offset + 3] = UInt8(0x80 | scalar & 0x3f)
            return 4
        }
    }
}
