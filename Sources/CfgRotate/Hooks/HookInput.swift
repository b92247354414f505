package import CfgSecure

/// The JSON documents `cfg rotate` writes to a hook's stdin: one object, built in guarded memory, whose first member
/// is `"phase"` and second `"secret"` (the secret's name).
///
/// A value (`pending`, `current`, `old`) is the secret's payload as JSON: the object itself when the value is a JSON
/// object (`{"username":"admin","password":"…"}` is spliced as written), else a JSON string (escaped as RFC 8259
/// says). Nothing else: no newline at the end.
package enum HookInput {
    /// `{"phase":"apply","secret":NAME,"pending":P,"current":C}`: `current` is the value the runner logged in with
    /// (the current one, or the previous one when the current no longer works).
    ///
    /// - Throws: ``SecureJSONError`` when a value is neither a JSON object nor valid UTF-8 (the offset is within it).
    package static func apply(secret: String, pending: Secret, current: Secret) throws(SecureJSONError) -> Secret {
        try document(phase: "apply", secret: secret, values: [("pending", pending), ("current", current)])
    }

    /// `{"phase":"test","secret":NAME,"pending":V}`: does V open the target?
    ///
    /// - Throws: ``SecureJSONError`` when the value is neither a JSON object nor valid UTF-8.
    package static func test(secret: String, pending: Secret) throws(SecureJSONError) -> Secret {
        try document(phase: "test", secret: secret, values: [("pending", pending)])
    }

    /// `{"phase":"retire","secret":NAME,"old":V}`: V (current before the last promotion) must stop opening the target.
    ///
    /// - Throws: ``SecureJSONError`` when the value is neither a JSON object nor valid UTF-8.
    package static func retire(secret: String, old: Secret) throws(SecureJSONError) -> Secret {
        try document(phase: "retire", secret: secret, values: [("old", old)])
    }

    /// `{"phase":PHASE,"secret":NAME,KEY:VALUE…}` with non-secret facts as JSON strings, in the order given, for the
    /// hooks that get no value (`{"phase":"after","secret":NAME,"version":ID}`).
    ///
    /// Precondition: no key is `phase` or `secret`, and no key repeats (a programming error).
    package static func facts(phase: String, secret: String, facts: [(key: String, value: String)]) -> Secret {
        let writer = start(phase: phase, secret: secret)
        for fact in facts {
            writer.key(fact.key)
            writer.string(fact.value)
        }
        writer.endObject()
        return writer.finish()
    }

    /// A document with secret values; see the type's discussion.
    private static func document(
        phase: String,
        secret: String,
        values: [(key: String, value: Secret)]
    ) throws(SecureJSONError) -> Secret {
        let writer = start(phase: phase, secret: secret)
        for value in values {
            writer.key(value.key)
            try payload(value.value, into: writer)
        }
        writer.endObject()
        return writer.finish()
    }

    /// An open object with `phase` and `secret` written.
    private static func start(phase: String, secret: String) -> SecureJSONWriter {
        let writer = SecureJSONWriter()
        writer.beginObject()
        writer.key("phase")
        writer.string(phase)
        writer.key("secret")
        writer.string(secret)
        return writer
    }

    /// Writes `value` as a JSON object when it is one, else as a JSON string; no copy leaves guarded memory.
    private static func payload(_ value: Secret, into writer: SecureJSONWriter) throws(SecureJSONError) {
        if let parsed = try? SecureJSON(parsing: value), parsed.root.kind == .object {
            writer.raw(parsed.root)
        } else {
            try writer.string(value)
        }
    }
}
