/// A YAML mapping whose keys were checked against a closed set of fields.
///
/// An explicit null (`store:` with nothing after it, or `~`) reads as absent, as YAML users expect.
struct ConfigMapping {
    /// The mapping itself: its position is where `missingField` errors point.
    let node: ConfigNode
    let entries: [ConfigEntry]

    /// The field's value, or nil when it is absent or null.
    subscript(_ field: String) -> ConfigNode? {
        guard let entry = entries.first(where: { $0.key == field }), !entry.value.isNull else { return nil }
        return entry.value
    }

    /// The field's value even when it is null; nil only when the key is absent.
    func raw(_ field: String) -> ConfigNode? { entries.first { $0.key == field }?.value }

    /// True when the key is written, even with a null value.
    func contains(_ field: String) -> Bool { entries.contains { $0.key == field } }

    /// Where the field's key is written.
    func keyPosition(_ field: String) -> ConfigPosition? { entries.first { $0.key == field }?.keyPosition }

    /// The field's value; a `missingField` error at the mapping when it is absent (at the key when it is null).
    func required(_ field: String) throws(ConfigError) -> ConfigNode {
        guard let value = self[field] else { throw missing(field) }
        return value
    }

    /// The `missingField` error for `field`: at the mapping, or at the key when it is written with a null value.
    func missing(_ field: String) -> ConfigError {
        ConfigError(.missingField, "missing field '\(field)' in \(node.label)", at: keyPosition(field) ?? node.position)
    }
}
