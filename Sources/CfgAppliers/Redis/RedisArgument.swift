package import CfgSecure

/// One argument of a Redis command: plain text (a command name, a user name) or secret bytes (a password, an ACL
/// rule holding one), which stay in secure memory until the command is sent.
package enum RedisArgument: Sendable {
    /// Non-secret text.
    case text(String)
    /// Secret bytes.
    case secret(Secret)

    /// An ACL rule made of a one-character operator and a password (`>` adds, `<` removes), built in secure memory.
    package static func passwordRule(_ operation: Character, _ password: Secret) -> RedisArgument {
        let buffer = SecureBuffer(capacity: password.count + 1)
        buffer.append(text: String(operation))
        buffer.append(password)
        return .secret(buffer.finish())
    }
}
