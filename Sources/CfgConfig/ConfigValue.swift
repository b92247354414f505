/// A plain value from `values:` (or a fixed secret key value); mirrors YAML's scalar and collection kinds.
package indirect enum ConfigValue: Sendable, Hashable {
    case string(String)
    case integer(Int)
    case double(Double)
    case bool(Bool)
    case null
    case list([ConfigValue])
    case map([ConfigMapEntry])
}
