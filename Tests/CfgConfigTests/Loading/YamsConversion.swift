import Yams

@testable import CfgConfig

/// Yams' nodes as cfg's, for the tests that compare cfg's composer with Yams (cfg's reader before issue 16).
extension YAMLNode {
    init(yams node: Yams.Node) {
        let mark = node.mark.map { YAMLMark(line: $0.line, column: $0.column) } ?? YAMLMark(line: 1, column: 1)
        switch node {
        case .scalar(let scalar):
            let style: YAMLScalar.Style =
                switch scalar.style {
                case .singleQuoted: .singleQuoted
                case .doubleQuoted: .doubleQuoted
                case .literal: .literal
                case .folded: .folded
                case .any, .plain: .plain
                }
            self = .scalar(
                YAMLScalar(string: scalar.string, style: style, tag: YAMLTag(name: node.tag.rawValue), mark: mark)
            )
        case .mapping(let mapping):
            self = .mapping(
                mapping.map { YAMLPair(key: YAMLNode(yams: $0.key), value: YAMLNode(yams: $0.value)) },
                tag: node.tag.rawValue,
                mark: mark
            )
        case .sequence(let sequence):
            self = .sequence(sequence.map { YAMLNode(yams: $0) }, tag: node.tag.rawValue, mark: mark)
        case .alias:
            // Yams resolves aliases while it composes; none is left in a composed tree.
            self = .scalar(YAMLScalar(string: "", style: .plain, tag: .other("alias"), mark: mark))
        }
    }

    /// Everything about the node, positions and styles included (`==` ignores them).
    var outline: String {
        switch self {
        case .scalar(let scalar):
            return
                "\(scalar.tag.name)|\(scalar.style)|\(scalar.mark.line):\(scalar.mark.column)|\(scalar.string.debugDescription)"
        case .mapping(let pairs, let tag, let mark):
            return "{\(tag)@\(mark.line):\(mark.column) "
                + pairs.map { "\($0.key.outline): \($0.value.outline)" }.joined(separator: ", ") + "}"
        case .sequence(let items, let tag, let mark):
            return "[\(tag)@\(mark.line):\(mark.column) " + items.map(\.outline).joined(separator: ", ") + "]"
        }
    }
}

extension ConfigNode {
    /// A reader over a node Yams composed (tests written before cfg composed YAML itself).
    init(_ node: Yams.Node, path: String, file: String) {
        self.init(YAMLNode(yams: node), path: path, file: file)
    }
}
