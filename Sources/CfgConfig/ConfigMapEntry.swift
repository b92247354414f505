/// One key and its value in a `values:` mapping (or a nested map), in file order.
package struct ConfigMapEntry: Sendable, Hashable {
    package var key: String
    package var value: ConfigValue

    package init(key: String, value: ConfigValue) {
        self.key = key
        self.value = value
    }
}
