/// "Did you mean …": the closest known name to a mistyped one, by edit distance.
package enum Suggestion {
    /// The known name closest to `name` (case-insensitive Levenshtein distance), if it is close enough to be a typo:
    /// at most a third of the longer name's length, and at least 1 edit away.
    package static func closest(to name: String, among known: [String]) -> String? {
        let typed = Array(name.lowercased())
        var best: (name: String, distance: Int)?
        for candidate in known {
            let distance = editDistance(typed, Array(candidate.lowercased()))
            let limit = max(1, max(typed.count, candidate.count) / 3)
            guard distance <= limit else { continue }
            if best == nil || distance < best?.distance ?? .max { best = (candidate, distance) }
        }
        return best?.name
    }

    /// The Levenshtein distance between two character arrays (two rows of the table).
    static func editDistance(_ left: [Character], _ right: [Character]) -> Int {
        guard !left.isEmpty else { return right.count }
        guard !right.isEmpty else { return left.count }
        var previous = Array(0...right.count)
        var row = [Int](repeating: 0, count: right.count + 1)
        for (i, leftCharacter) in left.enumerated() {
            row[0] = i + 1
            for (j, rightCharacter) in right.enumerated() {
                let substitution = previous[j] + (leftCharacter == rightCharacter ? 0 : 1)
                row[j + 1] = min(previous[j + 1] + 1, row[j] + 1, substitution)
            }
            swap(&previous, &row)
        }
        return previous[right.count]
    }
}
