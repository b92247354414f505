/// Durations as written in environment files: a positive integer and one unit, `90d`.
///
/// Units: `s` seconds, `m` minutes, `h` hours, `d` days, `w` weeks.
package enum DurationSpec {
    /// Seconds per unit letter.
    private static let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]

    /// The number of seconds `text` stands for, or nil when it is not a duration (`0d`, `90`, `1.5h`, `-1d`).
    package static func seconds(from text: String) -> Int? {
        guard let unit = text.last, let factor = units[unit] else { return nil }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(digits), count > 0
        else { return nil }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: factor)
        return overflow ? nil : seconds
    }
}

extension EnvironmentFileLoader {
    /// The number of seconds a duration such as `90d` stands for; nil when `text` is not one.
    package static func parseDuration(_ text: String) -> Int? { DurationSpec.seconds(from: text) }
}
