/// A node of an environment file as ``YAMLComposer`` builds it from libyaml's events: a scalar, a mapping (its
/// pairs in file order) or a sequence, each with the 1-based position where it starts.
///
/// Anchors and aliases never reach a node: the composer refuses them at the event.
indirect enum YAMLNode: Hashable, Sendable {
    case scalar(YAMLScalar)
    /// Key/value pairs in file order; `tag` is the resolved tag's name (`tag:yaml.org,2002:map` unless explicit).
    case mapping([YAMLPair], tag: String, mark: YAMLMark)
    /// Items in file order; `tag` is the resolved tag's name (`tag:yaml.org,2002:seq` unless explicit).
    case sequence([YAMLNode], tag: String, mark: YAMLMark)

    /// Where the node starts (its first property, `!tag`, when it has one).
    var mark: YAMLMark {
        switch self {
        case .scalar(let scalar): scalar.mark
        case .mapping(_, _, let mark), .sequence(_, _, let mark): mark
        }
    }

    // Equality and hashing as Yams' (what makes two keys duplicates): text and resolved tag for scalars, items and
    // tag for collections; never the position or the style.
    static func == (lhs: YAMLNode, rhs: YAMLNode) -> Bool {
        switch (lhs, rhs) {
        case (.scalar(let a), .scalar(let b)): a.string == b.string && a.tag == b.tag
        case (.mapping(let a, let tagA, _), .mapping(let b, let tagB, _)): tagA == tagB && a == b
        case (.sequence(let a, let tagA, _), .sequence(let b, let tagB, _)): tagA == tagB && a == b
        default: false
        }
    }

    func hash(into hasher: inout Hasher) {
        switch self {
        case .scalar(let scalar):
            hasher.combine(0)
            hasher.combine(scalar.string)
            hasher.combine(scalar.tag)
        case .mapping(let pairs, let tag, _):
            hasher.combine(1)
            hasher.combine(pairs)
            hasher.combine(tag)
        case .sequence(let items, let tag, _):
            hasher.combine(2)
            hasher.combine(items)
            hasher.combine(tag)
        }
    }

    /// Yams' order of keys (which duplicate a message names first): scalars by text, collections item by item;
    /// nodes of different kinds are unordered.
    static func precedes(_ lhs: YAMLNode, _ rhs: YAMLNode) -> Bool {
        func lexicographic(_ a: [YAMLNode], _ b: [YAMLNode]) -> Bool {
            for (x, y) in zip(a, b) {
                if precedes(x, y) { return true }
                if precedes(y, x) { return false }
            }
            return a.count < b.count
        }
        switch (lhs, rhs) {
        case (.scalar(let a), .scalar(let b)): return a.string < b.string
        case (.mapping(let a, _, _), .mapping(let b, _, _)):
            return lexicographic(a.flatMap { [$0.key, $0.value] }, b.flatMap { [$0.key, $0.value] })
        case (.sequence(let a, _, _), .sequence(let b, _, _)): return lexicographic(a, b)
        default: return false
        }
    }
}

/// One key/value pair of a mapping.
struct YAMLPair: Hashable, Sendable {
    let key: YAMLNode
    let value: YAMLNode
}
