package import CfgRotation

/// Why a PostgreSQL login or statement failed: a closed ``Code``, the endpoint, and at most a SQLSTATE.
///
/// libpq's and the server's message texts are never kept: they can quote a role name, a statement or a setting, and
/// the statements this module sends hold password verifiers. What a user reads is a fixed sentence per code, the
/// endpoint (`host:port/database`), the SQLSTATE when the server sent one, and for ``Code/invalidValue`` which key of
/// the secret is wrong. Equality compares ``code`` only, so tests assert the kind of failure.
package struct PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of failure.
    package enum Code: String, Sendable, Hashable {
        /// The secret is not a JSON object with the role name and password (or the two values of one rotation
        /// disagree about the role, see the strategies).
        case invalidValue
        /// The server refused the login (SQLSTATE class 28: wrong password, no such role, `pg_hba.conf`).
        case authenticationFailed
        /// The server let the role in without asking for its password (`trust`, `peer`), so a login proves nothing
        /// about the value.
        case passwordNotChecked
        /// The server answered the login with another error (the database does not exist: `3D000`).
        case loginRefused
        /// No connection: the host did not resolve, nothing listened, TLS failed, or the server is starting or full.
        case unreachable
        /// Connecting and authenticating took longer than the endpoint's `connectTimeout`.
        case connectTimeout
        /// The server ran the statement and refused it (a missing privilege, a statement error).
        case statementFailed
        /// The connection broke or the statement timed out while a statement ran: its effect is unknown.
        case connectionLost
        /// libpq (libpq.so.5) could not be loaded: ``PostgresError/detail`` says why and which package to install.
        case libraryUnavailable
    }

    /// The kind of failure.
    package let code: Code
    /// The server, as `host:port/database`.
    package let endpoint: String
    /// The server's SQLSTATE (five characters, e.g. `28P01`), when it sent one.
    package let sqlState: String?
    /// For ``Code/invalidValue``: which key is wrong, never its content; for others, what was being done.
    package let detail: String?

    /// Creates an error; `detail` must not contain any part of a value or a server message.
    package init(_ code: Code, endpoint: PostgresEndpoint, sqlState: String? = nil, detail: String? = nil) {
        self.code = code
        self.endpoint = endpoint.description
        self.sqlState = sqlState
        self.detail = detail
    }

    /// What the rotation machine makes of this failure: `.unreachable` when nothing is known about the target's
    /// state (no connection, a timeout, a connection lost during a statement), `.rejected` when the target answered.
    package var targetResult: RotationMachine.TargetResult {
        switch code {
        case .unreachable, .connectTimeout, .connectionLost, .libraryUnavailable: .unreachable
        case .invalidValue, .authenticationFailed, .passwordNotChecked, .loginRefused, .statementFailed: .rejected
        }
    }

    /// The sentence a user reads: what failed, where, and what to check.
    package var description: String {
        let state = sqlState.map { " (SQLSTATE \($0))" } ?? ""
        let doing = detail.map { " while \($0)" } ?? ""
        switch code {
        case .invalidValue:
            return "The PostgreSQL secret for \(endpoint) is unusable: \(detail ?? "malformed value"). "
                + "Check the secret's JSON keys."
        case .authenticationFailed:
            return "PostgreSQL at \(endpoint) refused the login\(state). "
                + "Check the role name and password in the secret and the server's pg_hba.conf."
        case .passwordNotChecked:
            return "PostgreSQL at \(endpoint) let the role in without checking its password, so the login proves "
                + "nothing. Require password authentication (scram-sha-256) for this role in pg_hba.conf."
        case .loginRefused:
            return "PostgreSQL at \(endpoint) refused the connection after authentication\(state). "
                + "Check that the database exists and the role may connect to it."
        case .unreachable:
            return "PostgreSQL at \(endpoint) could not be reached\(doing). "
                + "Check the host, the port, the TLS settings (sslmode, sslrootcert) and that the server runs."
        case .connectTimeout:
            return "Connecting to PostgreSQL at \(endpoint) took longer than the connect timeout. "
                + "Check the network path to the server and its load."
        case .statementFailed:
            return "PostgreSQL at \(endpoint) refused a statement\(doing)\(state). "
                + "Check that the role has the privileges the rotation needs (ALTER ROLE, CREATE ROLE)."
        case .connectionLost:
            return "The connection to PostgreSQL at \(endpoint) broke or timed out\(doing)\(state); "
                + "whether the statement took effect is unknown. The next run checks again."
        case .libraryUnavailable:
            return "Cannot connect to PostgreSQL at \(endpoint): \(detail ?? "libpq could not be loaded")."
        }
    }

    /// Compares the codes only.
    package static func == (lhs: PostgresError, rhs: PostgresError) -> Bool {
        lhs.code == rhs.code
    }
}
