/// A scalar: its text, how it was written, its resolved tag and where it starts.
struct YAMLScalar: Hashable, Sendable {
    enum Style: Hashable, Sendable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    let string: String
    let style: Style
    let tag: YAMLTag
    let mark: YAMLMark
}
