/// One entry of a YAML mapping: its key as written, where the key is, and the value's reader.
struct ConfigEntry {
    let key: String
    let keyPosition: ConfigPosition
    let value: ConfigNode
}
