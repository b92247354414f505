package import CfgRotation
package import CfgSecure

/// A PostgreSQL login role as a rotation target: `apply` gives the role its new password, `tryLogin` and `test`
/// log in with a value and run `SELECT 1`.
///
/// The values are whole secrets: JSON objects with at least the role name and the password (``PostgresSecretKeys``,
/// `username` / `password` by default); other members (`host`, `port`, `dbname`, …) are the caller's business, which
/// builds the ``PostgresEndpoint``. Passwords reach the server only as SCRAM-SHA-256 verifiers computed here, so
/// neither the server log (`log_statement`) nor `pg_stat_statements` ever holds a cleartext password.
///
/// Every call is safe to repeat: setting a password again to the same value is harmless, and a role that already
/// exists is altered instead of created. A failure becomes `.rejected` when the server answered (a refused login or
/// statement, a malformed value) and `.unreachable` when nothing is known (no connection, a timeout, a connection
/// lost during a statement); ``PostgresError`` says which, and `onFailure` receives it for the log.
package struct PostgresTarget: RotationTarget {
    /// Where the server is.
    package let endpoint: PostgresEndpoint
    /// Single role or alternating roles.
    package let strategy: Strategy
    /// Which members of a value hold the role name and the password.
    package let keys: PostgresSecretKeys
    /// Receives every failure before it is turned into a `TargetResult` (for a log line); never holds a value.
    private let onFailure: (@Sendable (PostgresError) -> Void)?

    /// Creates a target.
    ///
    /// - Parameters:
    ///   - endpoint: the server.
    ///   - strategy: ``Strategy/single`` or ``Strategy/alternate(admin:group:)``.
    ///   - keys: the members of the rotated secret that hold the role name and the password. The admin secret of
    ///     ``Strategy/alternate(admin:group:)`` always uses `username` / `password`.
    ///   - onFailure: called with each failure's ``PostgresError`` (whose description holds no value).
    package init(
        endpoint: PostgresEndpoint,
        strategy: Strategy,
        keys: PostgresSecretKeys = .standard,
        onFailure: (@Sendable (PostgresError) -> Void)? = nil
    ) {
        self.endpoint = endpoint
        self.strategy = strategy
        self.keys = keys
        self.onFailure = onFailure
    }

    /// Logs in with `value`, runs `SELECT 1` and logs out.
    package func tryLogin(with value: Secret) async -> RotationMachine.TargetResult {
        await answer { () throws(PostgresError) in try await checkLogin(value) }
    }

    /// Makes `pending` valid; see ``Strategy`` for what each strategy does.
    package func apply(_ pending: Secret, loggedInWith credential: Secret) async -> RotationMachine.TargetResult {
        await answer { () throws(PostgresError) in
            switch strategy {
            case .single:
                try await applySingle(pending, loggedInWith: credential)
            case .alternate(let admin, let group):
                try await applyAlternate(pending, loggedInWith: credential, admin: admin, group: group)
            }
        }
    }

    /// Logs in with `pending` as a consumer would and runs a query (`SELECT 1`).
    package func test(_ pending: Secret) async -> RotationMachine.TargetResult {
        await answer { () throws(PostgresError) in try await checkLogin(pending) }
    }

    /// Nothing to remove: with ``Strategy/single`` the old password stopped working when the new one was set, and
    /// with ``Strategy/alternate(admin:group:)`` the old role keeps working until its next turn, by design.
    package func retire(_ old: Secret) async -> RotationMachine.TargetResult {
        .succeeded
    }

    // MARK: - Steps

    /// Logs in with `value` and runs `SELECT 1`.
    func checkLogin(_ value: Secret) async throws(PostgresError) {
        let credential = try PostgresCredential(parsing: value, keys: keys, endpoint: endpoint)
        try await withSession(as: credential) { connection throws(PostgresError) in
            try await connection.execute("SELECT 1", doing: "running a query after the login")
        }
    }

    /// Logs in as the role with its working password and changes its own password.
    func applySingle(_ pending: Secret, loggedInWith credential: Secret) async throws(PostgresError) {
        let new = try PostgresCredential(parsing: pending, keys: keys, endpoint: endpoint)
        let working = try PostgresCredential(parsing: credential, keys: keys, endpoint: endpoint)
        guard new.username == working.username else {
            throw PostgresError(
                .invalidValue,
                endpoint: endpoint,
                detail: "with the single strategy the pending '\(keys.username)' must equal the current one"
            )
        }
        try await withSession(as: working) { connection throws(PostgresError) in
            try await connection.setPassword(new.password, forRole: working.username)
        }
    }

    /// Logs in as the admin role and sets (or creates) the pending role's password.
    func applyAlternate(
        _ pending: Secret,
        loggedInWith credential: Secret,
        admin: Secret,
        group: String?
    ) async throws(PostgresError) {
        let new = try PostgresCredential(parsing: pending, keys: keys, endpoint: endpoint)
        let working = try PostgresCredential(parsing: credential, keys: keys, endpoint: endpoint)
        let administrator = try PostgresCredential(parsing: admin, keys: .standard, endpoint: endpoint)
        guard new.username != working.username else {
            throw PostgresError(
                .invalidValue,
                endpoint: endpoint,
                detail: "with the alternate strategy the pending '\(keys.username)' must name the other role"
            )
        }
        try await withSession(as: administrator) { connection throws(PostgresError) in
            let existing = try await connection.rows(
                "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1",
                parameters: [new.username],
                doing: "looking the pending role up"
            )
            if existing.isEmpty {
                try await connection.createRole(
                    new.username,
                    password: new.password,
                    memberOf: group ?? working.username
                )
            } else {
                try await connection.setPassword(new.password, forRole: new.username)
            }
        }
    }

    /// Opens a connection as `credential`, runs `body` and closes the connection, also when `body` throws.
    private func withSession(
        as credential: PostgresCredential,
        _ body: (PostgresConnection) async throws(PostgresError) -> Void
    ) async throws(PostgresError) {
        let connection = try await PostgresConnection.open(endpoint, as: credential)
        do throws(PostgresError) {
            try await body(connection)
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
    }

    /// Runs a step and turns its outcome into the machine's answer, reporting a failure first.
    private func answer(_ step: () async throws(PostgresError) -> Void) async -> RotationMachine.TargetResult {
        do throws(PostgresError) {
            try await step()
            return .succeeded
        } catch {
            onFailure?(error)
            return error.targetResult
        }
    }
}
