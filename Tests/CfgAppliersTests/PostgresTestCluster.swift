import CfgAppliers
import CfgSecure
import CfgTestSupport
import Foundation
import Synchronization
import Testing

/// The shared test PostgreSQL cluster, seen through the target's own connection type, with helpers that create
/// uniquely named roles (tests run in parallel on one cluster) and drop them afterwards.
///
/// Roles get their passwords through ``PostgresConnection/setPassword(_:forRole:)``, so the setup itself never sends
/// a cleartext password that the leak checks would then find.
struct PostgresTestCluster {
    let server: TestServers.PostgresServer
    let endpoint: PostgresEndpoint

    /// The cluster, or a skipped test when it is not running (a failure under `CFG_REQUIRE_SERVERS=1`).
    init() throws {
        server = try TestServers.skipUnlessAvailable(try TestServers.postgres(), "PostgreSQL")
        endpoint = PostgresEndpoint(
            host: server.host,
            port: server.port,
            database: server.database,
            sslMode: .disable,
            connectTimeout: .seconds(10)
        )
    }

    /// The superuser's credential as a secret, the shape the alternate strategy's `admin` takes.
    var adminSecret: Secret {
        get throws { try Self.value(username: server.user, password: server.password) }
    }

    /// The server log (`CFG_TEST_PG_LOG`, `log_statement = 'all'`), read whole.
    func serverLog() throws -> String {
        let path = try #require(ProcessInfo.processInfo.environment["CFG_TEST_PG_LOG"], "CFG_TEST_PG_LOG is unset")
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// Every statement text `pg_stat_statements` holds.
    func recordedStatements() async throws -> [String] {
        try await asSuperuser { connection in
            try await connection.rows("SELECT query FROM pg_stat_statements", doing: "reading statistics")
                .compactMap { $0.first ?? nil }
        }
    }

    /// A role name no other test uses: `cfg_t_<hex>`.
    static func uniqueName() -> String {
        "cfg_t_" + Hex.encode(SecureRandom.bytes(count: 6))
    }

    /// A secret's JSON object with the role name and the password.
    static func value(username: String, password: String) throws -> Secret {
        try SecureJSON.object([("username", Secret(copying: username)), ("password", Secret(copying: password))])
    }

    /// Runs `body` on a superuser connection and closes it.
    func asSuperuser<R>(_ body: (PostgresConnection) async throws -> R) async throws -> R {
        let credential = PostgresCredential(username: server.user, password: Secret(copying: server.password))
        let connection = try await PostgresConnection.open(endpoint, as: credential)
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Creates a login role with `password` (sent as a verifier), optionally a member of `group`.
    func createLoginRole(_ name: String, password: String, inGroup group: String? = nil) async throws {
        try await asSuperuser { connection in
            let membership = group.map { " IN ROLE \($0)" } ?? ""
            try await connection.execute("CREATE ROLE \(name) LOGIN\(membership)", doing: "creating a test role")
            try await connection.setPassword(Secret(copying: password), forRole: name)
        }
    }

    /// Runs `body`, then drops `tables` and `roles` (in that order) whether it threw or not.
    func cleaningUp(tables: [String] = [], roles: [String], _ body: () async throws -> Void) async throws {
        let outcome: Result<Void, any Error>
        do {
            try await body()
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        try await asSuperuser { connection in
            for table in tables {
                try await connection.execute("DROP TABLE IF EXISTS \(table)", doing: "dropping a test table")
            }
            for role in roles {
                try await connection.execute("DROP ROLE IF EXISTS \(role)", doing: "dropping a test role")
            }
        }
        try outcome.get()
    }

    /// Expects that no canary occurs in the server log or in `pg_stat_statements`, and that the log does show the
    /// statements (so the check is not vacuous).
    func expectNoCleartext(_ canaries: [String], loggedRole role: String) async throws {
        let log = try serverLog()
        let statements = try await recordedStatements()
        #expect(log.contains("ALTER ROLE \"\(role)\" PASSWORD 'SCRAM-SHA-256$4096:"))
        #expect(statements.contains { $0.contains("\"\(role)\" PASSWORD 'SCRAM-SHA-256$") })
        for canary in canaries {
            Canary.assertAbsent(canary, in: [log] + statements)
        }
    }
}

/// Collects the failures a target reports, for the leak checks.
final class FailureLog: Sendable {
    private let failures = Mutex<[PostgresError]>([])

    /// The handler to pass as `onFailure`.
    var handler: @Sendable (PostgresError) -> Void {
        { [self] error in failures.withLock { $0.append(error) } }
    }

    /// Every failure so far.
    var all: [PostgresError] { failures.withLock { $0 } }

    /// Every failure's description and its parts, for `Canary.assertAbsent`.
    var texts: [String] {
        all.flatMap { [$0.description, String(describing: $0), $0.detail ?? "", $0.endpoint] }
    }
}
