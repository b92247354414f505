package import CfgSecure

/// A role name and its password, read from a secret's JSON object.
///
/// The role name is not secret (it is in `pg_roles`, in logs, in connection strings), so it is a `String`; the
/// password stays a ``Secret``. ``description`` names neither.
package struct PostgresCredential: Sendable, CustomStringConvertible {
    /// The longest role name PostgreSQL keeps (`NAMEDATALEN - 1`); a longer one would be silently truncated.
    package static let maximumUsernameBytes = 63

    /// The login role.
    package let username: String
    /// The password, without a terminating NUL.
    package let password: Secret

    /// Creates a credential from its parts.
    package init(username: String, password: Secret) {
        self.username = username
        self.password = password
    }

    /// Reads the role name and the password from a JSON object.
    ///
    /// - Parameters:
    ///   - value: the whole secret, a JSON object.
    ///   - keys: which members hold the role name and the password.
    ///   - endpoint: named in the error.
    /// - Throws: ``PostgresError`` with code `.invalidValue` when the value is not a JSON object, a key is missing
    ///   or not a string, the role name is empty or longer than 63 bytes, or either holds a NUL byte. The error names
    ///   the key, never its content.
    package init(
        parsing value: Secret,
        keys: PostgresSecretKeys,
        endpoint: PostgresEndpoint
    ) throws(PostgresError) {
        guard let document = try? SecureJSON(parsing: value), document.root.kind == .object else {
            throw PostgresError(.invalidValue, endpoint: endpoint, detail: "the value is not a JSON object")
        }
        guard let username = document.root[keys.username]?.text() else {
            throw PostgresError(
                .invalidValue,
                endpoint: endpoint,
                detail: "the value has no string member '\(keys.username)'"
            )
        }
        guard !username.isEmpty, username.utf8.count <= Self.maximumUsernameBytes, !username.utf8.contains(0) else {
            throw PostgresError(
                .invalidValue,
                endpoint: endpoint,
                detail: "'\(keys.username)' must be 1 to 63 bytes without NUL"
            )
        }
        guard let password = document.root[keys.password]?.secretString() else {
            throw PostgresError(
                .invalidValue,
                endpoint: endpoint,
                detail: "the value has no string member '\(keys.password)'"
            )
        }
        let hasNUL = password.withUnsafeBytes { $0.contains(0) }
        guard !password.isEmpty, !hasNUL else {
            throw PostgresError(
                .invalidValue,
                endpoint: endpoint,
                detail: "'\(keys.password)' must be non-empty and hold no NUL byte"
            )
        }
        self.init(username: username, password: password)
    }

    /// The role name only; the password is never shown.
    package var description: String {
        "PostgresCredential(username: \(username), password: \(Secret.redacted))"
    }
}
