/// "Did you mean …" inside the template core: the closest known name to a mistyped one.
///
/// The same rule as CfgConfig's `Suggestion.closest` (case-insensitive edit distance, at most a third of the longer
/// name), kept here because the template core is a sibling of the environment-file layer and imports nothing.
enum TemplateSuggestion {
    static func closest(to name: String, among known: [String]) -> String? {
        let typed = Array(name.lowercased())
        var best: (name: String, distance: Int)?
        for candidate in known {
            let distance = editDistance(typed, Array(candidate.lowercased()))
            guard distance <= max(1, max(typed.count, candidate.count) / 3) else { continue }
            if distance < best?.distance ?? .max { best = (candidate, distance) }
        }
        return best?.name
    }

    /// The Levenshtein distance between two character arrays.
    private static func editDistance(_ left: [Character], _ right: [Character]) -> Int {
        guard !left.isEmpty else { return right.count }
        guard !right.isEmpty else { return left.count }
        var previous = Array(0...right.count)
        var row = [Int](repeating: 0, count: right.count + 1)
        for (i, leftCharacter) in left.enumerated() {
            row[0] = i + 1
            for (j, rightCharacter) in right.enumerated() {
                row[j + 1] = min(
                    previous[j + 1] + 1,
                    row[j] + 1,
                    previous[j] + (leftCharacter == rightCharacter ? 0 : 1)
                )
            }
            swap(&previous, &row)
        }
        return previous[right.count]
    }
}
