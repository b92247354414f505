extension SecureJSON.Node {
    /// This object with its member `key` set to `value` as a JSON string, built in secure memory.
    ///
    /// The member keeps its place when it exists and is added at the end when it does not; every other member is
    /// copied byte for byte as it was written, unless `rewrite` returns a replacement for it (non-secret text, such
    /// as the other role's name when rotation switches `username`). Used by `cfg set NAME.KEY` and by rotation,
    /// which replace one key of a JSON secret and must not touch the others.
    ///
    /// Precondition: this node is an object.
    ///
    /// - Parameters:
    ///   - key: the member to set.
    ///   - value: its new value; it must be valid UTF-8.
    ///   - rewrite: for another member (its key and value), the text to write instead, or `nil` to keep it.
    /// - Throws: ``SecureJSONError`` when `value` is not valid UTF-8 (the offset is within `value`).
    package func settingString(
        _ key: String,
        to value: Secret,
        rewriting rewrite: (String, SecureJSON.Node) -> String? = { _, _ in nil }
    ) throws(SecureJSONError) -> Secret {
        precondition(kind == .object, "settingString(_:to:) on a JSON value that is not an object")
        let writer = SecureJSONWriter()
        writer.beginObject()
        var replaced = false
        for member in members {
            writer.key(member.key)
            if member.key == key {
                try writer.string(value)
                replaced = true
            } else if let text = rewrite(member.key, member.value) {
                writer.string(text)
            } else {
                writer.raw(member.value)
            }
        }
        if !replaced {
            writer.key(key)
            try writer.string(value)
        }
        writer.endObject()
        return writer.finish()
    }
}
