internal import CSodium

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

extension SecureJSON.Node {
    /// A number as the nearest `Double`, read without a `String` copy of its text, so that the number may be
    /// secret (``double()`` copies the text into a `String`); `nil` if this is not a number.
    ///
    /// The text is parsed by `strtod` in the C locale, from a scratch buffer that is zeroed at once. Like
    /// `Double("…")`, a number beyond `Double`'s range reads as ±infinity and one too small as zero.
    package func secureDouble() -> Double? {
        guard kind == .number else { return nil }
        return withUnsafeRawBytes { text in
            withUnsafeTemporaryAllocation(of: CChar.self, capacity: text.count + 1) { scratch -> Double? in
                guard let base = scratch.baseAddress else { return nil }
                defer { sodium_memzero(base, scratch.count) }
                UnsafeMutableRawBufferPointer(scratch).copyMemory(from: text)
                scratch[text.count] = 0
                var end: UnsafeMutablePointer<CChar>?
                let value = SecureJSON.withCNumericLocale { strtod(base, &end) }
                return end == base + text.count ? value : nil
            }
        }
    }

    /// A number's whole part, computed exactly from its text (never rounded through `Double`): `12.9` is 12,
    /// `-12.9` is -12, `1.5e3` is 1500, `123e-2` is 1, `9007199254740993.0` is 9007199254740993; `nil` if this
    /// is not a number or the whole part does not fit `Int`.
    ///
    /// The bytes are read in place, so the number may be secret.
    package func truncatedInt() -> Int? {
        guard kind == .number else { return nil }
        return withUnsafeRawBytes { text in SecureJSON.truncatedInt(text) }
    }
}

extension SecureJSON {
    /// The whole part of a number the parser has validated (`-? int frac? exp?`), or `nil` if it does not fit.
    static func truncatedInt(_ text: UnsafeRawBufferPointer) -> Int? {
        func isDigit(_ offset: Int) -> Bool {
            offset < text.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[offset])
        }
        var offset = 0
        let negative = text[0] == UInt8(ascii: "-")
        if negative { offset += 1 }
        let integerStart = offset
        while isDigit(offset) { offset += 1 }
        let integerCount = offset - integerStart
        var fractionStart = offset
        if offset < text.count, text[offset] == UInt8(ascii: ".") {
            offset += 1
            fractionStart = offset
            while isDigit(offset) { offset += 1 }
        }
        let fractionCount = offset - fractionStart
        var exponent = 0
        if offset < text.count, text[offset] == UInt8(ascii: "e") || text[offset] == UInt8(ascii: "E") {
            offset += 1
            let negativeExponent = text[offset] == UInt8(ascii: "-")
            if text[offset] == UInt8(ascii: "-") || text[offset] == UInt8(ascii: "+") { offset += 1 }
            while isDigit(offset) {
                // Capped: past a few million digits the answer no longer depends on the exact exponent.
                exponent = min(exponent * 10 + Int(text[offset] - UInt8(ascii: "0")), 1 << 32)
                offset += 1
            }
            if negativeExponent { exponent = -exponent }
        }
        // The significant digits are the integer's then the fraction's; the decimal point sits after `point` of
        // them (past their end means trailing zeros).
        let digitCount = integerCount + fractionCount
        let point = integerCount + exponent
        var value = 0
        var index = 0
        while index < point {
            let digit: Int
            if index < integerCount {
                digit = Int(text[integerStart + index] - UInt8(ascii: "0"))
            } else if index < digitCount {
                digit = Int(text[fractionStart + index - integerCount] - UInt8(ascii: "0"))
            } else if value == 0 {
                break  // Only zeros remain: trailing zeros of zero.
            } else {
                digit = 0
            }
            // Accumulate towards the sign so that Int.min is representable.
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowB) =
                negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflowA, !overflowB else { return nil }
            value = next
            index += 1
        }
        return value
    }

    /// Runs `body` with the calling thread's numeric locale set to "C", so that `strtod` reads `.` as the decimal
    /// point whatever locale the process has chosen.
    static func withCNumericLocale<R>(_ body: () -> R) -> R {
        guard let locale = newlocale(1 << LC_NUMERIC, "C", nil) else { return body() }
        let previous = uselocale(locale)
        defer {
            uselocale(previous)
            freelocale(locale)
        }
        return body()
    }
}
