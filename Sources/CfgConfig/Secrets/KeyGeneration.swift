/// One key of a JSON secret: a fixed value, a generator, or neither (set with `cfg set`).
package struct KeyGeneration: Sendable, Hashable {
    /// Where the key's value comes from.
    package enum Source: Sendable, Hashable {
        case value(ConfigValue)
        case generate(GeneratorSpec)
        /// `KEY: {}`: neither, a value you already have (a webhook, a managed password) that `cfg set` stores.
        case unset
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
