/// A 1-based line and column (columns count Unicode scalars, as libyaml does).
struct YAMLMark: Hashable, Sendable {
    let line: Int
    let column: Int
}
