public import FoundationEssentials

/// Times as servers write them, parsed without a date formatter (no locale, no time-zone database, no ICU).
package enum Timestamp {
    /// An RFC 3339 time: `2026-11-21T12:00:00Z`, optionally with fractional seconds (Vault writes nine digits) and
    /// a `±HH:MM` offset instead of `Z`. Nil for anything else, and for a day that its month does not have.
    package static func rfc3339(_ text: String) -> Date? {
        var reader = Reader(text)
        guard let year = reader.number(4), reader.take("-"), let month = reader.number(2), reader.take("-"),
            let day = reader.number(2), reader.take("T") || reader.take("t") || reader.take(" "),
            let hour = reader.number(2), reader.take(":"), let minute = reader.number(2), reader.take(":"),
            let second = reader.number(2),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60,
            second <= 60
        else { return nil }
        var fraction = 0.0
        if reader.take(".") {
            var scale = 0.1
            var digits = 0
            while let digit = reader.digit() {
                fraction += Double(digit) * scale
                scale /= 10
                digits += 1
            }
            guard digits > 0 else { return nil }
        }
        var offset = 0
        if reader.take("Z") || reader.take("z") {
            offset = 0
        } else if let sign = reader.sign(), let hours = reader.number(2), reader.take(":"),
            let minutes = reader.number(2), hours < 24, minutes < 60
        {
            offset = (hours * 3600 + minutes * 60) * sign
        } else {
            return nil
        }
        guard reader.atEnd else { return nil }
        let seconds = daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
        return Date(timeIntervalSince1970: Double(seconds - offset) + fraction)
    }

    /// An HTTP date in its preferred form (RFC 9110, IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`.
    package static func httpDate(_ text: String) -> Date? {
        var reader = Reader(text)
        guard reader.word(in: weekdays) != nil, reader.take(","), reader.take(" "), let day = reader.number(2),
            reader.take(" "), let monthIndex = reader.word(in: months), reader.take(" "), let year = reader.number(4),
            reader.take(" "), let hour = reader.number(2), reader.take(":"), let minute = reader.number(2),
            reader.take(":"), let second = reader.number(2), reader.take(" "), reader.word(in: ["GMT"]) != nil,
            reader.atEnd
        else { return nil }
        let month = monthIndex + 1
        guard (1...daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60, second <= 60 else {
            return nil
        }
        let seconds = daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
        return Date(timeIntervalSince1970: Double(seconds))
    }

    private static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The number of days of a month of the proleptic Gregorian calendar.
    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// A cursor over the text's UTF-8 bytes.
    private struct Reader {
        private let bytes: [UInt8]
        private var index = 0

        init(_ text: String) { bytes = Array(text.utf8) }

        var atEnd: Bool { index == bytes.count }

        /// Consumes `character` if it is next.
        mutating func take(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        /// The next ASCII digit's value, consumed.
        mutating func digit() -> Int? {
            guard index < bytes.count, (0x30...0x39).contains(bytes[index]) else { return nil }
            defer { index += 1 }
            return Int(bytes[index] - 0x30)
        }

        /// Exactly `count` digits as a number, consumed; nil (and nothing consumed) otherwise.
        mutating func number(_ count: Int) -> Int? {
            let start = index
            var value = 0
            for _ in 0..<count {
                guard let digit = digit() else {
                    index = start
                    return nil
                }
                value = value * 10 + digit
            }
            return value
        }

        /// `+` (1) or `-` (-1), consumed.
        mutating func sign() -> Int? {
            if take("+") { return 1 }
            if take("-") { return -1 }
            return nil
        }

        /// The index in `words` of the word that comes next (exact case), consumed.
        mutating func word(in words: [String]) -> Int? {
            for (position, word) in words.enumerated() {
                let spelled = Array(word.utf8)
                if bytes.count - index >= spelled.count, Array(bytes[index..<index + spelled.count]) == spelled {
                    index += spelled.count
                    return position
                }
            }
            return nil
        }
    }
}
