/// The YAML 1.1 types of plain scalars and their values, as Yams' `Resolver.default` and its constructors give
/// them (cfg read environment files with Yams before), written without regular expressions.
///
/// Rules in Yams' order, the first that matches the whole text wins: bool, int, float, merge (`<<`), null,
/// timestamp, value (`=`); anything else is a string. Like ICU's `$`, a match may end before one final line
/// terminator (a plain scalar never ends with one, but the rule is kept exact).
enum YAMLScalarTypes {
    /// The tag of a plain scalar without an explicit tag.
    static func resolve(_ text: String) -> YAMLTag {
        var bytes = Array(text.utf8)
        // ICU's `$` also matches before a line terminator that ends the input (\n, \r\n, \r, NEL, LS, PS).
        if bytes.last == 0x0A {
            bytes.removeLast()
            if bytes.last == 0x0D { bytes.removeLast() }
        } else if bytes.last == 0x0D {
            bytes.removeLast()
        } else if bytes.count >= 2, bytes[bytes.count - 2] == 0xC2, bytes.last == 0x85 {
            bytes.removeLast(2)
        } else if bytes.count >= 3, bytes[bytes.count - 3] == 0xE2, bytes[bytes.count - 2] == 0x80,
            bytes.last == 0xA8 || bytes.last == 0xA9
        {
            bytes.removeLast(3)
        }
        // Every rule is ASCII.
        if bytes.contains(where: { $0 >= 0x80 || $0 == 0x0A || $0 == 0x0D }) { return .str }
        return resolve(ascii: bytes[...])
    }

    private static func resolve(ascii s: ArraySlice<UInt8>) -> YAMLTag {
        // Most scalars are words: one that starts with a letter is a string unless it is a boolean or null word
        // (at most five letters, starting with one of these); no number, timestamp or merge key starts with one.
        if let first = s.first, (first | 0x20) >= 0x61, (first | 0x20) <= 0x7A,
            s.count > 5 || !"yYnNtTfFoO".utf8.contains(first)
        {
            return .str
        }
        if isBool(s) { return .bool }
        if isInt(s) { return .int }
        if isFloat(s) { return .float }
        if s.elementsEqual("<<".utf8) { return .other(YAMLTag.prefix + "merge") }
        if isNull(s) { return .null }
        if isTimestamp(s) { return .other(YAMLTag.prefix + "timestamp") }
        if s.elementsEqual("=".utf8) { return .other(YAMLTag.prefix + "value") }
        return .str
    }

    private static let boolWords: Set<[UInt8]> = Set(
        [
            "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON",
            "off", "Off", "OFF",
        ].map { Array($0.utf8) }
    )
    private static let nullWords: Set<[UInt8]> = Set(["~", "null", "Null", "NULL", ""].map { Array($0.utf8) })

    private static let nanWords = [".nan", ".NaN", ".NAN"].map { Array($0.utf8) }
    private static let infWords = [".inf", ".Inf", ".INF"].map { Array($0.utf8) }

    private static func isBool(_ s: ArraySlice<UInt8>) -> Bool { s.count <= 5 && boolWords.contains(Array(s)) }
    private static func isNull(_ s: ArraySlice<UInt8>) -> Bool { s.count <= 4 && nullWords.contains(Array(s)) }

    // MARK: Character classes

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private static func isDigitOrUnderscore(_ c: UInt8) -> Bool { isDigit(c) || c == 0x5F }
    private static func isSign(_ c: UInt8) -> Bool { c == 0x2B || c == 0x2D }
    private static let colon: UInt8 = 0x3A
    private static let dot: UInt8 = 0x2E

    /// `s` without one leading `+` or `-`.
    private static func unsigned(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        if let first = s.first, isSign(first) { return s.dropFirst() }
        return s
    }

    /// `[0-5]?[0-9]`, the whole of `s`.
    private static func isSexagesimalDigits(_ s: ArraySlice<UInt8>) -> Bool {
        switch s.count {
        case 1: return isDigit(s[s.startIndex])
        case 2: return s[s.startIndex] >= 0x30 && s[s.startIndex] <= 0x35 && isDigit(s[s.startIndex + 1])
        default: return false
        }
    }

    /// `[0-9][0-9_]*` (or `[1-9][0-9_]*` when `nonZero`), the whole of `s`.
    private static func isDigitRun(_ s: ArraySlice<UInt8>, nonZero: Bool) -> Bool {
        guard let first = s.first, isDigit(first), !(nonZero && first == 0x30) else { return false }
        return s.dropFirst().allSatisfy(isDigitOrUnderscore)
    }

    // MARK: int

    /// `[-+]?0b[0-1_]+ | [-+]?0o?[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+
    /// | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+`
    private static func isInt(_ s: ArraySlice<UInt8>) -> Bool {
        let u = unsigned(s)
        guard let first = u.first else { return false }
        if first == 0x30 {
            let rest = u.dropFirst()
            if rest.isEmpty { return true }
            let marker = rest[rest.startIndex]
            let digits = rest.dropFirst()
            if marker == 0x62, !digits.isEmpty, digits.allSatisfy({ $0 == 0x30 || $0 == 0x31 || $0 == 0x5F }) {
                return true
            }
            if marker == 0x78, !digits.isEmpty,
                digits.allSatisfy({ isDigit($0) || (($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x66) || $0 == 0x5F })
            {
                return true
            }
            let octal = marker == 0x6F ? digits : rest
            return !octal.isEmpty && octal.allSatisfy { ($0 >= 0x30 && $0 <= 0x37) || $0 == 0x5F }
        }
        let parts = u.split(separator: colon, omittingEmptySubsequences: false)
        guard isDigitRun(parts[0], nonZero: true) else { return false }
        return parts.dropFirst().allSatisfy(isSexagesimalDigits)
    }

    // MARK: float

    /// `[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)? | \.[0-9_]+(?:[eE][-+][0-9]+)?
    /// | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)`
    private static func isFloat(_ s: ArraySlice<UInt8>) -> Bool {
        if nanWords.contains(where: { s.elementsEqual($0) }) { return true }
        let u = unsigned(s)
        if infWords.contains(where: { u.elementsEqual($0) }) { return true }
        if s.first == dot {
            // `\.[0-9_]+` with an optional exponent whose sign is required.
            let body = s.dropFirst()
            let exponentStart = body.firstIndex { $0 == 0x65 || $0 == 0x45 } ?? body.endIndex
            let fraction = body[..<exponentStart]
            guard !fraction.isEmpty, fraction.allSatisfy(isDigitOrUnderscore) else { return false }
            if exponentStart == body.endIndex { return true }
            let exponent = body[(exponentStart + 1)...]
            guard let sign = exponent.first, isSign(sign) else { return false }
            let digits = exponent.dropFirst()
            return !digits.isEmpty && digits.allSatisfy(isDigit)
        }
        if u.contains(colon) {
            // `[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*`
            let parts = u.split(separator: colon, omittingEmptySubsequences: false)
            guard isDigitRun(parts[0], nonZero: false) else { return false }
            for part in parts.dropFirst().dropLast() where !isSexagesimalDigits(part) { return false }
            let last = parts[parts.count - 1]
            guard let dotIndex = last.firstIndex(of: dot) else { return false }
            return isSexagesimalDigits(last[..<dotIndex]) && last[(dotIndex + 1)...].allSatisfy(isDigitOrUnderscore)
        }
        // `[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?`
        var index = u.startIndex
        guard index < u.endIndex, isDigit(u[index]) else { return false }
        index += 1
        while index < u.endIndex, isDigitOrUnderscore(u[index]) { index += 1 }
        if index < u.endIndex, u[index] == dot {
            index += 1
            while index < u.endIndex, isDigitOrUnderscore(u[index]) { index += 1 }
        }
        if index == u.endIndex { return true }
        guard u[index] == 0x65 || u[index] == 0x45 else { return false }
        index += 1
        if index < u.endIndex, isSign(u[index]) { index += 1 }
        let digits = u[index...]
        return !digits.isEmpty && digits.allSatisfy(isDigit)
    }

    // MARK: timestamp

    /// `[0-9]{4}-[0-9]{2}-[0-9]{2} | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}
    /// (?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?`
    private static func isTimestamp(_ s: ArraySlice<UInt8>) -> Bool {
        var index = s.startIndex
        /// Consumes between `least` and `most` digits; false when fewer than `least`.
        func digits(_ least: Int, _ most: Int) -> Bool {
            var count = 0
            while count < most, index < s.endIndex, isDigit(s[index]) {
                index += 1
                count += 1
            }
            return count >= least
        }
        func character(_ c: UInt8) -> Bool {
            guard index < s.endIndex, s[index] == c else { return false }
            index += 1
            return true
        }
        func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
        guard digits(4, 4), character(0x2D), digits(1, 2) else { return false }
        let monthDigits = index - (s.startIndex + 5)
        guard character(0x2D), digits(1, 2) else { return false }
        let dayDigits = index - (s.startIndex + 6 + monthDigits)
        if index == s.endIndex { return monthDigits == 2 && dayDigits == 2 }
        // The date and time are separated by `T`, `t`, or spaces and tabs.
        if s[index] == 0x54 || s[index] == 0x74 {
            index += 1
        } else {
            guard isBlank(s[index]) else { return false }
            while index < s.endIndex, isBlank(s[index]) { index += 1 }
        }
        guard digits(1, 2), character(colon), digits(2, 2), character(colon), digits(2, 2) else { return false }
        if character(dot) { _ = digits(0, Int.max) }
        while index < s.endIndex, isBlank(s[index]) { index += 1 }
        if index == s.endIndex {
            // Blanks may only come before a zone.
            return !isBlank(s[s.index(before: s.endIndex)])
        }
        if character(0x5A) { return index == s.endIndex }
        guard index < s.endIndex, isSign(s[index]) else { return false }
        index += 1
        guard digits(1, 2) else { return false }
        if character(colon) { guard digits(2, 2) else { return false } }
        return index == s.endIndex
    }

    // MARK: Values (Yams' constructors)

    /// Yams' `Bool.construct`: `true`/`yes`/`on` and `false`/`no`/`off` in any case (the caller checks the tag).
    static func bool(_ scalar: YAMLScalar) -> Bool? {
        switch scalar.string.lowercased() {
        case "true", "yes", "on": true
        case "false", "no", "off": false
        default: nil
        }
    }

    /// Yams' `Int.construct`: plain scalars only; `_` ignored; `0x`, `0b`, `0o` and `0` prefixes; sexagesimal
    /// (`1:30`). Nil on overflow (where Yams' sexagesimal arithmetic trapped).
    static func int(_ scalar: YAMLScalar) -> Int? {
        guard scalar.style == .plain else { return nil }
        let withSign = withoutUnderscores(scalar.string)
        if withSign == "0" { return 0 }
        let negative = withSign.hasPrefix("-")
        let signPrefix = negative ? "-" : ""
        let hasSign = negative || withSign.hasPrefix("+")
        let body = withSign.dropFirst(hasSign ? 1 : 0)
        for (prefix, radix) in [("0x", 16), ("0b", 2), ("0o", 8), ("0", 8)] where body.hasPrefix(prefix) {
            return Int(signPrefix + body.dropFirst(prefix.count), radix: radix)
        }
        if body.contains(":") { return sexagesimalInt(withSign) }
        return Int(withSign)
    }

    /// The text without `_` characters (byte by byte when it is ASCII: a long number is not split into
    /// characters one at a time).
    private static func withoutUnderscores(_ text: String) -> String {
        let utf8 = text.utf8
        guard utf8.contains(0x5F) else { return text }
        if utf8.allSatisfy({ $0 < 0x80 }) { return String(decoding: utf8.filter { $0 != 0x5F }, as: UTF8.self) }
        return text.filter { $0 != "_" }
    }

    /// Base-60 digits (`1:30` is 90), each read by `Int(_:radix:)`; nil on overflow.
    private static func sexagesimalInt(_ text: String) -> Int? {
        var rest = Substring(text)
        var sign = 1
        if rest.hasPrefix("-") {
            sign = -1
            rest = rest.dropFirst()
        } else if rest.hasPrefix("+") {
            rest = rest.dropFirst()
        }
        var base = 1
        var value = 0
        for component in rest.split(separator: ":", omittingEmptySubsequences: false).reversed() {
            guard let digit = Int(component, radix: 10) else { return nil }
            let (product, productOverflow) = digit.multipliedReportingOverflow(by: base)
            let (sum, sumOverflow) = value.addingReportingOverflow(product)
            let (nextBase, baseOverflow) = base.multipliedReportingOverflow(by: 60)
            guard !productOverflow, !sumOverflow, !baseOverflow else { return nil }
            value = sum
            base = nextBase
        }
        return sign * value
    }

    /// Yams' `Double.construct`: plain scalars only; `.inf`, `.nan` in any case; `_` ignored; sexagesimal.
    static func double(_ scalar: YAMLScalar) -> Double? {
        guard scalar.style == .plain else { return nil }
        switch scalar.string.lowercased() {
        case ".inf", "+.inf": return .infinity
        case "-.inf": return -.infinity
        case ".nan": return .nan
        default:
            let text = withoutUnderscores(scalar.string)
            guard text.contains(":") else { return Double(text) }
            var rest = Substring(text)
            var sign = 1.0
            if rest.hasPrefix("-") {
                sign = -1
                rest = rest.dropFirst()
            } else if rest.hasPrefix("+") {
                rest = rest.dropFirst()
            }
            var base = 1.0
            var value = 0.0
            for component in rest.split(separator: ":", omittingEmptySubsequences: false).reversed() {
                guard let digit = Double(component) else { return nil }
                value = value + digit * base
                base = base * 60
            }
            return sign * value
        }
    }
}
