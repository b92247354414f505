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

    /// ` (did you mean 'NAME'?)` for the closest known name, or the empty string: for the end of a message.
    package static func didYouMean(_ name: String, among known: [String]) -> String {
        closest(to: name, among: known).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// The edit distance between two character arrays: insertions, deletions, substitutions and transpositions of
    /// two adjacent characters (`valeu` → `value`) each count 1 (optimal string alignment; three rows of the table).
    static func editDistance(_ left: [Character], _ right: [Character]) -> Int {
        guard !left.isEmpty else { return right.count }
        guard !right.isEmpty else { return left.count }
        var beforePrevious = [Int](repeating: 0, count: right.count + 1)
        var previous = Array(0...right.count)
        var row = [Int](repeating: 0, count: right.count + 1)
        for i in left.indices {
            row[0] = i + 1
            for j in right.indices {
                let substitution = previous[j] + (left[i] == right[j] ? 0 : 1)
                row[j + 1] = min(previous[j + 1] + 1, row[j] + 1, substitution)
                if i > 0, j > 0, left[i] == right[j - 1], left[i - 1] == right[j] {
                    row[j + 1] = min(row[j + 1], beforePrevious[j - 1] + 1)
                }
            }
            (beforePrevious, previous, row) = (previous, row, beforePrevious)
        }
        return previous[right.count]
    }
}
