extension Template {
    /// The secrets this template reads, found from its syntax alone.
    ///
    /// `secrets.NAME` and `secrets["NAME"]` name one secret; any other use of `secrets` (iterated,
    /// indexed by a computed key, passed whole to a filter or output) sets `usesAllSecrets`.
    package func secretReferences() -> SecretReferences {
        var references = SecretReferences()
        Self.collect(nodes, into: &references)
        return references
    }

    private static func collect(_ nodes: [TemplateNode], into references: inout SecretReferences) {
        for node in nodes {
            switch node {
            case .text:
                break
            case .output(let expression, _):
                collect(expression, into: &references)
            case .conditional(let branches, let otherwise):
                for branch in branches {
                    collect(branch.condition, into: &references)
                    collect(branch.body, into: &references)
                }
                if let otherwise { collect(otherwise, into: &references) }
            case .loop(let loop):
                collect(loop.iterable, into: &references)
                collect(loop.body, into: &references)
            }
        }
    }

    private static func collect(_ expression: TemplateExpression, into references: inout SecretReferences) {
        switch expression.kind {
        case .literal, .invalid:
            break
        case .name(let name):
            if name == "secrets" { references.usesAllSecrets = true }
        case .attribute(let base, let key):
            if case .name("secrets") = base.kind {
                references.names.insert(key)
            } else {
                collect(base, into: &references)
            }
        case .index(let base, let index):
            if case .name("secrets") = base.kind, case .literal(.string(let key, _, _)) = index.kind {
                references.names.insert(key)
            } else {
                collect(base, into: &references)
                collect(index, into: &references)
            }
        case .filter(let input, _, let arguments):
            collect(input, into: &references)
            for argument in arguments { collect(argument, into: &references) }
        case .call(_, let arguments), .list(let arguments):
            for argument in arguments { collect(argument, into: &references) }
        case .map(let entries):
            for entry in entries { collect(entry.value, into: &references) }
        case .binary(_, let lhs, let rhs):
            collect(lhs, into: &references)
            collect(rhs, into: &references)
        case .not(let operand):
            collect(operand, into: &references)
        }
    }
}
