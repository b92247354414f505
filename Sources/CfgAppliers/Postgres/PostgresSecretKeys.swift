/// The names of the keys that hold the role name and the password in a PostgreSQL secret (a JSON object).
package struct PostgresSecretKeys: Sendable, Hashable {
    /// The key of the role name (`username`).
    package var username: String
    /// The key of the password (`password`).
    package var password: String

    /// Creates key names.
    package init(username: String = "username", password: String = "password") {
        self.username = username
        self.password = password
    }

    /// `username` and `password`, as AWS's and Vault's database secrets name them.
    package static let standard = PostgresSecretKeys()
}
