/// What `cfg set` writes: a whole secret (`NAME`) or one key of a JSON secret (`NAME.KEY`).
package struct SecretTarget: Hashable, Sendable, CustomStringConvertible {
    /// The secret's name in the environment file.
    package var name: String
    /// The key inside a JSON secret; nil for the whole secret.
    package var key: String?

    package init(name: String, key: String? = nil) {
        self.name = name
        self.key = key
    }

    /// Reads `NAME`, `NAME.KEY` or `secrets.NAME.KEY` (the forms `cfg get` takes); nil for an empty name or key.
    package init?(reference: String) {
        var text = Substring(reference)
        if text.hasPrefix("secrets.") { text = text.dropFirst("secrets.".count) }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let name = parts.first, !name.isEmpty else { return nil }
        if parts.count == 2 {
            guard !parts[1].isEmpty else { return nil }
            self.init(name: String(name), key: String(parts[1]))
        } else {
            self.init(name: String(name))
        }
    }

    /// `NAME` or `NAME.KEY`.
    package var description: String { key.map { "\(name).\($0)" } ?? name }
}
