internal import CPostgres
package import CfgSecure

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension PostgresConnection {
    /// The only password algorithm cfg sends: MD5 verifiers are deprecated and weak.
    static let passwordAlgorithm = "scram-sha-256"

    /// Sets `role`'s password to `password`: `ALTER ROLE <role> PASSWORD '<SCRAM-SHA-256 verifier>'`.
    ///
    /// The verifier is computed here (`PQencryptPasswordConn`: a random salt, 4096 iterations like the server's
    /// default), so the cleartext never reaches the server, its log or `pg_stat_statements`; the server stores a
    /// verifier as given. The cleartext's C string, the verifier, its quoted literal and the statement live in
    /// buffers that are zeroed after use; libpq's own send buffer still holds the statement (a verifier, not the
    /// password) until the connection is closed.
    ///
    /// - Throws: ``PostgresError`` `.statementFailed` (no privilege, no such role) or `.connectionLost`.
    package func setPassword(_ password: Secret, forRole role: String) async throws(PostgresError) {
        try await BlockingCall.run("cfg-postgres") { [self] () throws(PostgresError) in
            try withConnection { connection throws(PostgresError) in
                try Self.runPasswordStatement(on: connection, endpoint: endpoint, password: password, role: role) {
                    [.text("ALTER ROLE \($0) PASSWORD "), .verifier]
                }
            }
        }
    }

    /// Creates the login role `role` with `password` and makes it a member of `group`, in one transaction:
    /// `CREATE ROLE <role> LOGIN PASSWORD '<verifier>'; GRANT <group> TO <role>`.
    ///
    /// The role inherits `group`'s privileges (roles inherit by default). Like ``setPassword(_:forRole:)``, only a
    /// SCRAM-SHA-256 verifier reaches the server.
    ///
    /// - Throws: ``PostgresError`` `.statementFailed` (the role exists, no CREATEROLE privilege, no such group) or
    ///   `.connectionLost`.
    package func createRole(_ role: String, password: Secret, memberOf group: String) async throws(PostgresError) {
        try await BlockingCall.run("cfg-postgres") { [self] () throws(PostgresError) in
            try withConnection { connection throws(PostgresError) in
                let groupIdentifier = try Self.escapedIdentifier(group, on: connection, endpoint: endpoint)
                try Self.runPasswordStatement(on: connection, endpoint: endpoint, password: password, role: role) {
                    [
                        .text("CREATE ROLE \($0) LOGIN PASSWORD "), .verifier,
                        .text("; GRANT \(groupIdentifier) TO \($0)"),
                    ]
                }
            }
        }
    }

    /// A piece of a statement that sets a password.
    private enum Piece {
        /// SQL text without any secret (keywords, quoted identifiers).
        case text(String)
        /// The quoted SCRAM verifier.
        case verifier
    }

    /// Computes `role`'s verifier for `password`, builds the statement from `pieces` in guarded memory, runs it and
    /// zeroes every buffer that held the verifier.
    ///
    /// - Parameter pieces: the statement, given the quoted role identifier.
    private static func runPasswordStatement(
        on connection: OpaquePointer,
        endpoint: PostgresEndpoint,
        password: Secret,
        role: String,
        pieces: (String) -> [Piece]
    ) throws(PostgresError) {
        let roleIdentifier = try escapedIdentifier(role, on: connection, endpoint: endpoint)
        let statement: Secret = try password.withUnsafeCString { (cleartext) throws(PostgresError) -> Secret in
            let verifier = role.withCString { PQencryptPasswordConn(connection, cleartext, $0, passwordAlgorithm) }
            guard let verifier else {
                throw PostgresError(.statementFailed, endpoint: endpoint, detail: "computing the SCRAM verifier")
            }
            defer { cfg_pq_freemem_zeroed(verifier) }
            guard let literal = PQescapeLiteral(connection, verifier, strlen(verifier)) else {
                throw PostgresError(.statementFailed, endpoint: endpoint, detail: "quoting the SCRAM verifier")
            }
            defer { cfg_pq_freemem_zeroed(literal) }
            let buffer = SecureBuffer(capacity: 256)
            for piece in pieces(roleIdentifier) {
                switch piece {
                case .text(let text): buffer.append(text: text)
                case .verifier: buffer.append(UnsafeRawBufferPointer(start: literal, count: strlen(literal)))
                }
            }
            buffer.append(byte: 0)
            return buffer.finish()
        }
        let result = statement.withUnsafeBytes { bytes in
            PQexec(connection, bytes.baseAddress?.assumingMemoryBound(to: CChar.self))
        }
        PQclear(
            try PostgresStatement.check(
                result,
                on: connection,
                endpoint: endpoint,
                doing: "setting the role's password"
            )
        )
    }

    /// `name` quoted as an identifier (`PQescapeIdentifier`), as a Swift `String` (role names are not secret).
    static func escapedIdentifier(
        _ name: String,
        on connection: OpaquePointer,
        endpoint: PostgresEndpoint
    ) throws(PostgresError) -> String {
        let quoted = name.withCString { PQescapeIdentifier(connection, $0, strlen($0)) }
        guard let quoted else {
            throw PostgresError(.statementFailed, endpoint: endpoint, detail: "quoting a role name")
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }
}
