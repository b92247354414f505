package import CfgSecure

/// A Redis user name and password, read from a rotated secret's value: a JSON object such as
/// `{"username": "airflow", "auth_token": "…"}`.
///
/// The password leaves the JSON only into a new ``Secret``; the user name is not secret and becomes a `String`.
package struct RedisCredential: Sendable {
    /// The ACL user; `default` when the value names none (the user `AUTH <password>` and `requirepass` use).
    package let user: String
    /// The password.
    package let password: Secret

    /// The user of a value without a user name.
    package static let defaultUser = "default"

    /// - Parameters:
    ///   - value: the secret's value, a JSON object.
    ///   - passwordKey: the member holding the password (a non-empty JSON string).
    ///   - usernameKey: the member holding the user name, if the value may name one; a missing member means
    ///     `default`.
    /// - Throws: ``RedisError`` with code `invalidValue`; its description names the keys, never a value.
    package init(parsing value: Secret, passwordKey: String, usernameKey: String?) throws(RedisError) {
        let document: SecureJSON
        do {
            document = try SecureJSON(parsing: value, maxDepth: 8)
        } catch {
            throw RedisError(.invalidValue, "The secret's value is not JSON; a Redis secret is a JSON object.")
        }
        guard document.root.kind == .object else {
            throw RedisError(.invalidValue, "The secret's value is not a JSON object; a Redis secret is one.")
        }
        guard let password = document.root[passwordKey]?.secretString(), !password.isEmpty else {
            throw RedisError(
                .invalidValue,
                "The secret's value has no non-empty string \"\(passwordKey)\" (the Redis password)."
            )
        }
        var user = Self.defaultUser
        if let usernameKey, let node = document.root[usernameKey] {
            guard let name = node.text(), Self.isUsable(name) else {
                throw RedisError(
                    .invalidValue,
                    "The secret's \"\(usernameKey)\" is not a Redis user name (a non-empty string of at most 256 "
                        + "bytes without spaces or control characters)."
                )
            }
            user = name
        }
        self.user = user
        self.password = password
    }

    /// Redis refuses user names with spaces or NUL; control characters are refused here as well.
    static func isUsable(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 256
            && name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F }
    }
}
