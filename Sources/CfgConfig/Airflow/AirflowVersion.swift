/// Reading Airflow version strings (`3.1`, `2.10.5`, `3.0`).
package enum AirflowVersion {
    /// The leading number (`3` of `3.1`), or nil when the text does not start with digits followed by `.` or end.
    package static func major(of version: String) -> Int? {
        numbers(of: version).first
    }

    /// The dot-separated leading numbers (`[3, 1]` of `3.1`; `[3, 0, 2]` of `3.0.2`); stops at the first part that
    /// is not a number.
    package static func numbers(of version: String) -> [Int] {
        var result: [Int] = []
        for part in version.trimmingWhitespace().split(separator: ".", omittingEmptySubsequences: false) {
            guard !part.isEmpty, part.allSatisfy(\.isASCIIDigit), let number = Int(part) else { break }
            result.append(number)
        }
        return result
    }

    /// The version for a message: itself when it is only digits and dots (at most 32 characters), else a
    /// placeholder, since a scalar of the environment file is never echoed.
    package static func shown(_ version: String) -> String {
        let plain = !version.isEmpty && version.count <= 32 && version.allSatisfy { $0.isASCIIDigit || $0 == "." }
        return plain ? version : "(as declared)"
    }

    /// Whether `version` is later than `declared`, comparing only as many parts as `declared` gives (so an option
    /// added in 3.1.7 is not later than a declared `3.1`).
    package static func isLater(_ version: String, than declared: String) -> Bool {
        let left = numbers(of: version)
        let right = numbers(of: declared)
        guard !left.isEmpty, !right.isEmpty else { return false }
        for index in right.indices {
            let value = index < left.count ? left[index] : 0
            if value != right[index] { return value > right[index] }
        }
        return false
    }
}

extension Character {
    /// `0`–`9` only.
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    /// The text without leading and trailing whitespace and newlines.
    func trimmingWhitespace() -> Substring {
        var text = self[...]
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}
