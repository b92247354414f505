/// A scalar's resolved tag: the YAML 1.1 types cfg reads, and any other tag by name.
enum YAMLTag: Hashable, Sendable {
    case null, bool, int, float, str
    /// `tag:yaml.org,2002:merge` (`<<`), `…:timestamp`, `…:value` (`=`), or an explicit tag (`!custom`).
    case other(String)

    static let prefix = "tag:yaml.org,2002:"

    /// The tag for a tag's full name (`tag:yaml.org,2002:int` is ``int``).
    init(name: String) {
        switch name {
        case Self.prefix + "null": self = .null
        case Self.prefix + "bool": self = .bool
        case Self.prefix + "int": self = .int
        case Self.prefix + "float": self = .float
        case Self.prefix + "str": self = .str
        default: self = .other(name)
        }
    }

    /// The tag's full name.
    var name: String {
        switch self {
        case .null: Self.prefix + "null"
        case .bool: Self.prefix + "bool"
        case .int: Self.prefix + "int"
        case .float: Self.prefix + "float"
        case .str: Self.prefix + "str"
        case .other(let name): name
        }
    }
}
