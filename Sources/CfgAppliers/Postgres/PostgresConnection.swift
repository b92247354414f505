internal import CPostgres
import CfgSecure
import Synchronization

/// One libpq connection (`PGconn`), opened with explicit settings only, whose calls run off the cooperative pool.
///
/// Every method hops to a thread of its own (``BlockingCall``) for its libpq calls, which are bounded: connecting
/// by the endpoint's `connectTimeout` (cfg's own deadline around `PQconnectPoll`), each statement by
/// `statement_timeout`, and a silent network by TCP keepalives and `tcp_user_timeout`. Calls on one connection are
/// serialised by a lock.
///
/// Only non-secret text goes through ``execute(_:doing:)`` and ``rows(_:parameters:doing:)``. Passwords reach
/// the server only as SCRAM-SHA-256 verifiers computed on this side (``setPassword(_:forRole:)``,
/// ``createRole(_:password:memberOf:)``); the cleartext is never part of a statement.
///
/// Errors carry a fixed sentence, the endpoint and the SQLSTATE (``PostgresError``), never libpq's or the server's
/// message text.
package final class PostgresConnection: Sendable {
    /// A `PGconn` pointer.
    ///
    /// `@unchecked Sendable`: it points to a C handle. Invariant: it is stored only in ``handle`` and used only while
    /// that `Mutex` is held, so one thread at a time calls libpq on it (what libpq requires of a connection).
    private struct Handle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// The `PGconn`, `nil` once closed. The `Mutex` serialises every libpq call on it.
    private let handle: Mutex<Handle?>
    /// Where the connection goes; named in errors.
    package let endpoint: PostgresEndpoint

    init(handle: OpaquePointer, endpoint: PostgresEndpoint) {
        self.handle = Mutex(Handle(pointer: handle))
        self.endpoint = endpoint
    }

    deinit {
        handle.withLock { connection in
            if let open = connection {
                PQfinish(open.pointer)
                connection = nil
            }
        }
    }

    /// Connects and logs in as `credential`.
    ///
    /// - Throws: ``PostgresError``: `.authenticationFailed` for a refused login (SQLSTATE class 28, or a server that
    ///   asked for a password libpq could not give), `.passwordNotChecked` when the server did not ask for the
    ///   password, `.loginRefused` for other server errors during login, `.unreachable` when there is no
    ///   connection (refused, unresolvable, TLS), `.connectTimeout` when the deadline passes.
    package static func open(
        _ endpoint: PostgresEndpoint,
        as credential: PostgresCredential
    ) async throws(PostgresError) -> PostgresConnection {
        try await BlockingCall.run("cfg-postgres") { () throws(PostgresError) -> PostgresConnection in
            let connection = try PostgresLogin(endpoint: endpoint, credential: credential).connect()
            return PostgresConnection(handle: connection, endpoint: endpoint)
        }
    }

    /// Closes the connection (libpq's `PQfinish`); later calls fail with `.connectionLost`. Idempotent.
    package func close() async {
        await BlockingCall.run("cfg-postgres") { [self] in
            handle.withLock { connection in
                if let open = connection {
                    PQfinish(open.pointer)
                    connection = nil
                }
            }
        }
    }

    /// Runs one or more statements (the simple query protocol; several run in one implicit transaction).
    ///
    /// - Parameters:
    ///   - sql: statements without any secret in them: they may be logged by the server.
    ///   - doing: what this is, for an error (`"checking the login"`).
    /// - Throws: ``PostgresError`` `.statementFailed` (the server refused) or `.connectionLost` (the connection broke
    ///   or the statement timed out).
    package func execute(_ sql: String, doing: String) async throws(PostgresError) {
        try await BlockingCall.run("cfg-postgres") { [self] () throws(PostgresError) in
            try withConnection { connection throws(PostgresError) in
                let result = sql.withCString { PQexec(connection, $0) }
                PQclear(try PostgresStatement.check(result, on: connection, endpoint: endpoint, doing: doing))
            }
        }
    }

    /// Runs one query with text parameters (`$1`, `$2`, …) and returns its rows as text (`nil` for SQL NULL).
    ///
    /// For non-secret reads only (role names, catalog rows, statistics).
    ///
    /// - Throws: like ``execute(_:doing:)``.
    package func rows(
        _ sql: String,
        parameters: [String] = [],
        doing: String
    ) async throws(PostgresError) -> [[String?]] {
        try await BlockingCall.run("cfg-postgres") { [self] () throws(PostgresError) -> [[String?]] in
            try withConnection { connection throws(PostgresError) -> [[String?]] in
                let result = PostgresStatement.withCStrings(parameters) { values in
                    sql.withCString { text in
                        PQexecParams(connection, text, Int32(values.count), nil, values, nil, nil, 0)
                    }
                }
                let rows = try PostgresStatement.check(result, on: connection, endpoint: endpoint, doing: doing)
                defer { PQclear(rows) }
                return PostgresStatement.rows(of: rows)
            }
        }
    }

    /// Calls `body` with the open `PGconn` under the lock.
    func withConnection<R: Sendable>(
        _ body: (OpaquePointer) throws(PostgresError) -> R
    ) throws(PostgresError) -> R {
        let result: Result<R, PostgresError> = handle.withLock { connection in
            guard let open = connection else {
                return .failure(PostgresError(.connectionLost, endpoint: endpoint, detail: "using a closed connection"))
            }
            return Result { () throws(PostgresError) -> R in try body(open.pointer) }
        }
        return try result.get()
    }
}
