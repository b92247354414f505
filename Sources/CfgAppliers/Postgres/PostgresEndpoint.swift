/// Where a PostgreSQL server listens and how cfg connects to it: the non-secret half of a login.
///
/// The caller builds it from the secret's `host`, `port` and `dbname` keys or from an override; the target never
/// reads them from the value it rotates. Every field becomes an explicit libpq keyword (see ``PostgresConnection``).
package struct PostgresEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// libpq's `sslmode`.
    package enum SSLMode: String, Sendable, Hashable, CaseIterable {
        case disable
        case allow
        case prefer
        case require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// A host name or address (`127.0.0.1`, `db.example.internal`).
    package var host: String
    /// The TCP port (5432 by default on servers).
    package var port: Int
    /// The database to connect to (`dbname`).
    package var database: String
    /// How TLS is required and checked.
    package var sslMode: SSLMode
    /// A CA bundle for `verify-ca` / `verify-full` (`sslrootcert`); `nil` leaves libpq's default.
    package var sslRootCert: String?
    /// How long a connection attempt (TCP, TLS and authentication) may take in all.
    package var connectTimeout: Duration
    /// How long one statement may run on the server (`statement_timeout`).
    package var statementTimeout: Duration

    /// Creates an endpoint.
    ///
    /// - Parameters:
    ///   - host: the server's host name or address.
    ///   - port: its TCP port.
    ///   - database: the database to log in to.
    ///   - sslMode: libpq's `sslmode`; production servers want `.verifyFull`.
    ///   - sslRootCert: a CA bundle for the verifying modes.
    ///   - connectTimeout: the bound on connecting and authenticating (at least one second is used).
    ///   - statementTimeout: the bound on each statement (at least one millisecond is used).
    package init(
        host: String,
        port: Int = 5432,
        database: String,
        sslMode: SSLMode,
        sslRootCert: String? = nil,
        connectTimeout: Duration = .seconds(10),
        statementTimeout: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.sslMode = sslMode
        self.sslRootCert = sslRootCert
        self.connectTimeout = connectTimeout
        self.statementTimeout = statementTimeout
    }

    /// `host:port/database`, for messages.
    package var description: String {
        "\(host):\(port)/\(database)"
    }
}
