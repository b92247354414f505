/// One key of a JSON secret: a fixed value or a generator.
package struct KeyGeneration: Sendable, Hashable {
    /// Where the key's value comes from.
    package enum Source: Sendable, Hashable {
        case value(ConfigValue)
        case generate(GeneratorSpec)
    }

    package var key: String
    package var source: Source
    /// Text put before a generated value (`prefix: "flower:"` makes Flower's `user:password`).
    package var prefix: String

    package init(key: String, source: Source, prefix: String = "") {
        self.key = key
        self.source = source
        self.prefix = prefix
    }
}
