import CfgSecure
import Foundation

/// Small text helpers of the credential providers: trimming, error codes fit for messages, ISO 8601 times and
/// tokens read from files.
enum CredentialText {
    /// Without leading and trailing spaces and tabs.
    static func trimmed(_ text: String) -> String {
        var slice = Substring(text)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }

    /// An error code from a response (`AccessDenied`), if it looks like one: letters, digits and `._:-`, at most
    /// 64 characters. Anything else is not repeated in a message, since it might be a reflected token.
    static func errorCode(_ text: String?) -> String? {
        guard let text, !text.isEmpty, text.count <= 64,
            text.unicodeScalars.allSatisfy({
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._:-".unicodeScalars.contains($0))
            })
        else { return nil }
        return text
    }

    /// A secret's bytes without leading and trailing white space (files usually end with a newline).
    static func trimmed(_ secret: Secret) -> Secret {
        secret.withUnsafeBytes { bytes in
            var lower = 0
            var upper = bytes.count
            while lower < upper, isWhiteSpace(bytes[lower]) { lower += 1 }
            while upper > lower, isWhiteSpace(bytes[upper - 1]) { upper -= 1 }
            return Secret(count: upper - lower) { output in
                output.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[lower..<upper]))
            }
        }
    }

    /// Whether a secret contains CR or LF (which would split an HTTP header).
    static func containsLineBreak(_ secret: Secret) -> Bool {
        secret.withUnsafeBytes { $0.contains(0x0A) || $0.contains(0x0D) }
    }

    private static func isWhiteSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// Reads a token file into guarded memory, trimmed; the error names the file and the setting that names it.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - what: what the token is, for messages (`web identity token`).
    ///   - setting: where the path was written (`AWS_WEB_IDENTITY_TOKEN_FILE`, `~/.aws/config:4`).
    static func readToken(_ path: String, what: String, setting: String) throws(AWSCredentialError) -> Secret {
        let contents: Secret
        do {
            contents = try SecureFile.readCredentialFile(path)
        } catch {
            let reason =
                switch error.code {
                case .notFound: "does not exist"
                case .permissionDenied: "is not readable (permission denied)"
                default: "cannot be read"
                }
            throw AWSCredentialError(
                .configuration,
                "The \(what) file \(path) (\(setting)) \(reason); check the path and that the token is mounted."
            )
        }
        let token = trimmed(contents)
        guard !token.isEmpty else {
            throw AWSCredentialError(
                .configuration,
                "The \(what) file \(path) (\(setting)) is empty; check that the token is mounted."
            )
        }
        return token
    }

    /// Parses an ISO 8601 / RFC 3339 UTC time as AWS writes it: `2026-11-21T12:00:00Z`, optionally with
    /// fractional seconds and a `±HH:MM` offset instead of `Z`.
    static func date(iso8601 text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<start + count] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        func byte(_ index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }
        guard let year = number(0, 4), byte(4) == UInt8(ascii: "-"), let month = number(5, 2),
            byte(7) == UInt8(ascii: "-"), let day = number(8, 2),
            byte(10) == UInt8(ascii: "T") || byte(10) == UInt8(ascii: "t") || byte(10) == UInt8(ascii: " "),
            let hour = number(11, 2), byte(13) == UInt8(ascii: ":"), let minute = number(14, 2),
            byte(16) == UInt8(ascii: ":"), let second = number(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if byte(index) == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while let digit = byte(index), digit >= 0x30, digit <= 0x39 {
                fraction += Double(digit - 0x30) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offset = 0
        switch byte(index) {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let hours = number(index + 1, 2), byte(index + 3) == UInt8(ascii: ":"),
                let minutes = number(index + 4, 2)
            else { return nil }
            offset = (hours * 3600 + minutes * 60) * (byte(index) == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
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
}
