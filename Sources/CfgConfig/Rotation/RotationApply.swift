/// What rotation applies a new value to, after staging it.
package enum RotationApply: Sendable, Hashable {
    /// Store-only: the backend is the only place the value lives (Fernet keys, secret keys).
    case none
    case postgres(PostgresApply)
    case redis(RedisApply)
    /// Command hooks; values reach them on stdin, never in argv.
    case command(CommandApply)
}

/// `apply: postgres` or `apply: { postgres: { strategy, roles, group, admin, host, port, database, sslmode,
/// sslrootcert } }`.
package struct PostgresApply: Sendable, Hashable {
    package enum Strategy: String, Sendable, Hashable, CaseIterable {
        /// The role changes its own password, logged in with the current one.
        case single
        /// Two login roles take turns; each rotation resets the other one's password and switches the secret's
        /// username to it.
        case alternate
    }

    package var strategy: Strategy
    /// `alternate`: the two login roles, in turn order.
    package var roles: [String]
    /// `alternate`: the group role that owns the grants; a login role cfg creates becomes its member.
    package var group: String?
    /// `alternate`: the declared secret holding the admin credential (`username`, `password`).
    package var admin: String?
    /// Where to connect; nil: the secret's own `host`, `port`, `dbname` keys.
    package var host: String?
    package var port: Int?
    package var database: String?
    /// libpq's `sslmode` (`verify-full` recommended); nil: libpq's default (`prefer`).
    package var sslMode: String?
    package var sslRootCert: String?

    package init(
        strategy: Strategy = .single,
        roles: [String] = [],
        group: String? = nil,
        admin: String? = nil,
        host: String? = nil,
        port: Int? = nil,
        database: String? = nil,
        sslMode: String? = nil,
        sslRootCert: String? = nil
    ) {
        self.strategy = strategy
        self.roles = roles
        self.group = group
        self.admin = admin
        self.host = host
        self.port = port
        self.database = database
        self.sslMode = sslMode
        self.sslRootCert = sslRootCert
    }
}

/// `apply: redis` or `apply: { redis: { host, port } }`. The ACL user is the secret's `username` key, or `default`.
package struct RedisApply: Sendable, Hashable {
    /// Where to connect; nil: the secret's own `host` and `port` keys.
    package var host: String?
    package var port: Int?

    package init(host: String? = nil, port: Int? = nil) {
        self.host = host
        self.port = port
    }
}

/// `apply: { command: [argv…], test: [argv…], retire: [argv…] }`.
package struct CommandApply: Sendable, Hashable {
    package var apply: [String]
    package var test: [String]?
    package var retire: [String]?

    package init(apply: [String], test: [String]? = nil, retire: [String]? = nil) {
        self.apply = apply
        self.test = test
        self.retire = retire
    }
}
