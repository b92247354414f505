import CfgSecure

/// Parses the input with ``SecureJSON`` and reads every node through every accessor.
package func fuzzSecureJSON(_ bytes: UnsafeRawBufferPointer) {
    guard let document = try? SecureJSON(parsing: Secret(bytes: bytes)) else { return }
    visit(document.root)
}

/// Calls each accessor of `node` and of its descendants.
private func visit(_ node: SecureJSON.Node) {
    _ = node.kind
    _ = node.text()
    _ = node.int()
    _ = node.double()
    _ = node.bool()
    _ = node.secretString()
    _ = node.rawBytes()
    for (key, value) in node.members {
        _ = node[key]
        visit(value)
    }
    for element in node.elements {
        visit(element)
    }
}
