internal import CPostgres
import CfgSecure

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One login attempt: libpq's non-blocking connect (`PQconnectStartParams` + `PQconnectPoll`) under cfg's deadline.
///
/// Every setting is an explicit keyword with `expand_dbname = 0`, so a `dbname` can never smuggle in a connection
/// string. `passfile` is `/dev/null`, so `~/.pgpass` cannot supply or override a password; `gssencmode` is
/// `disable`, so no Kerberos ticket is tried. libpq still fills keywords cfg does not set from `PG*` variables and
/// a `PGSERVICE` entry (client certificates, for example); everything that decides where cfg connects, as whom
/// and how TLS is checked is set here. An empty value would mean "unset" to libpq, so none is passed.
///
/// The error verbosity is set to `PQERRORS_SQLSTATE` before the server can answer, so the only thing cfg reads
/// from a refusal is its SQLSTATE (`FATAL:  28P01`); the message text is never copied out of libpq.
struct PostgresLogin {
    /// libpq's `connect_timeout` takes whole seconds and treats less than 2 as 2.
    private static let minimumConnectSeconds = 2

    let endpoint: PostgresEndpoint
    let credential: PostgresCredential

    /// Connects, authenticates and returns the `PGconn`; blocks for at most the endpoint's `connectTimeout`.
    func connect() throws(PostgresError) -> OpaquePointer {
        if let failure = PostgresLibrary.load() {
            throw PostgresError(.libraryUnavailable, endpoint: endpoint, detail: failure)
        }
        let deadline = ContinuousClock.now + endpoint.connectTimeout
        let settings = keywords()
        let connection: OpaquePointer? = credential.password.withUnsafeCString { password in
            PostgresStatement.withCStrings(settings.map(\.1)) { values in
                PostgresStatement.withCStrings(settings.map(\.0) + ["password"]) { keywords in
                    // The password's C string lives in guarded memory zeroed after this call; libpq keeps its own
                    // copy for the connection's life (freed by PQfinish).
                    PQconnectStartParams(keywords + [nil], values + [password, nil], 0)
                }
            }
        }
        guard let connection else {
            throw PostgresError(.unreachable, endpoint: endpoint, detail: "allocating a connection")
        }
        PQsetErrorVerbosity(connection, PQERRORS_SQLSTATE)
        do throws(PostgresError) {
            try waitForLogin(connection, until: deadline)
        } catch {
            PQfinish(connection)
            throw error
        }
        guard PQconnectionUsedPassword(connection) == 1 else {
            PQfinish(connection)
            throw PostgresError(.passwordNotChecked, endpoint: endpoint)
        }
        return connection
    }

    /// The keywords and values, in order; the password is appended by ``connect()``.
    func keywords() -> [(String, String)] {
        let connectSeconds = max(Self.minimumConnectSeconds, Int(endpoint.connectTimeout.components.seconds))
        let statementMilliseconds = max(1, Self.milliseconds(endpoint.statementTimeout))
        var settings: [(String, String)] = [
            ("host", endpoint.host),
            ("port", String(endpoint.port)),
            ("dbname", endpoint.database),
            ("user", credential.username),
            ("passfile", "/dev/null"),
            ("sslmode", endpoint.sslMode.rawValue),
            ("gssencmode", "disable"),
            ("connect_timeout", String(connectSeconds)),
            ("application_name", "cfg-rotate"),
            ("options", "-c statement_timeout=\(statementMilliseconds)"),
            ("client_encoding", "UTF8"),
            // A server that vanishes mid-statement is noticed within about 11 s (5 + 3 × 2), and unacknowledged
            // sends give up after the connect timeout.
            ("keepalives", "1"),
            ("keepalives_idle", "5"),
            ("keepalives_interval", "2"),
            ("keepalives_count", "3"),
            ("tcp_user_timeout", String(max(1000, Self.milliseconds(endpoint.connectTimeout)))),
        ]
        if let rootCert = endpoint.sslRootCert, !rootCert.isEmpty {
            settings.append(("sslrootcert", rootCert))
        }
        return settings
    }

    /// Drives `PQconnectPoll` until the login succeeds, fails or `deadline` passes.
    private func waitForLogin(
        _ connection: OpaquePointer,
        until deadline: ContinuousClock.Instant
    ) throws(PostgresError) {
        guard PQstatus(connection) != CONNECTION_BAD else {
            throw failure(of: connection)
        }
        var state = PGRES_POLLING_WRITING
        while true {
            switch state {
            case PGRES_POLLING_OK:
                return
            case PGRES_POLLING_FAILED:
                throw failure(of: connection)
            default:
                break
            }
            let remaining = Self.milliseconds(deadline - ContinuousClock.now)
            guard remaining > 0 else {
                throw PostgresError(.connectTimeout, endpoint: endpoint)
            }
            let events = state == PGRES_POLLING_READING ? Int16(POLLIN) : Int16(POLLOUT)
            var descriptor = pollfd(fd: PQsocket(connection), events: events, revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining, Int(Int32.max))))
            if ready < 0 && errno == EINTR {
                continue
            }
            guard ready > 0 || ready < 0 else {
                throw PostgresError(.connectTimeout, endpoint: endpoint)
            }
            state = PQconnectPoll(connection)
        }
    }

    /// Classifies a failed login by its SQLSTATE (read from the SQLSTATE-only error message) and libpq's flags.
    private func failure(of connection: OpaquePointer) -> PostgresError {
        let state = PostgresStatement.sqlState(inMessage: PQerrorMessage(connection))
        if let state, state.hasPrefix("28") {
            return PostgresError(.authenticationFailed, endpoint: endpoint, sqlState: state)
        }
        if PQconnectionNeedsPassword(connection) == 1 {
            return PostgresError(.authenticationFailed, endpoint: endpoint, sqlState: state)
        }
        guard let state else {
            return PostgresError(.unreachable, endpoint: endpoint, detail: "connecting")
        }
        // Starting up or shutting down (57P0x), too many connections (53300), a protocol-level failure (08xxx):
        // the server is not usable now, which says nothing about the credential.
        if state.hasPrefix("57P") || state.hasPrefix("53") || state.hasPrefix("08") {
            return PostgresError(.unreachable, endpoint: endpoint, sqlState: state, detail: "connecting")
        }
        return PostgresError(.loginRefused, endpoint: endpoint, sqlState: state)
    }

    /// A duration in whole milliseconds, rounded down; negative durations give negative numbers.
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = Int(seconds).multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds < 0 ? Int.min : Int.max }
        return scaled + Int(attoseconds / 1_000_000_000_000_000)
    }
}
