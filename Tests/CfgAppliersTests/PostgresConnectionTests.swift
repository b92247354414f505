import CfgAppliers
import CfgRotation
import CfgSecure
import CfgTestSupport
import Testing

/// The libpq wrapper on its own: bounds and the classification of failures.
@Suite struct PostgresConnectionTests {
    @Test func aStatementPastItsTimeoutLeavesTheStateUnknown() async throws {
        let cluster = try PostgresTestCluster()
        var endpoint = cluster.endpoint
        endpoint.statementTimeout = .milliseconds(200)
        let credential = PostgresCredential(
            username: cluster.server.user,
            password: Secret(copying: cluster.server.password)
        )
        let connection = try await PostgresConnection.open(endpoint, as: credential)
        await #expect(throws: PostgresError(.connectionLost, endpoint: endpoint)) {
            try await connection.execute("SELECT pg_sleep(5)", doing: "sleeping")
        }
        do {
            try await connection.execute("SELECT pg_sleep(5)", doing: "sleeping")
        } catch {
            #expect(error.sqlState == "57014")
            #expect(error.targetResult == .unreachable)
        }
        await connection.close()
        await #expect(throws: PostgresError(.connectionLost, endpoint: endpoint)) {
            try await connection.execute("SELECT 1", doing: "after close")
        }
    }

    @Test func aRefusedStatementIsRejected() async throws {
        let cluster = try PostgresTestCluster()
        let credential = PostgresCredential(
            username: cluster.server.user,
            password: Secret(copying: cluster.server.password)
        )
        let connection = try await PostgresConnection.open(cluster.endpoint, as: credential)
        do {
            try await connection.setPassword(Secret(copying: Canary.make()), forRole: "cfg_no_such_role_at_all")
            Issue.record("setting the password of a missing role succeeded")
        } catch {
            #expect(error.code == .statementFailed)
            #expect(error.sqlState == "42704")
            #expect(error.targetResult == .rejected)
        }
        await connection.close()
    }

    @Test func aMissingDatabaseRefusesTheLogin() async throws {
        let cluster = try PostgresTestCluster()
        var endpoint = cluster.endpoint
        endpoint.database = "cfg_no_such_database"
        let credential = PostgresCredential(
            username: cluster.server.user,
            password: Secret(copying: cluster.server.password)
        )
        do {
            _ = try await PostgresConnection.open(endpoint, as: credential)
            Issue.record("the login succeeded")
        } catch {
            #expect(error.code == .loginRefused)
            #expect(error.sqlState == "3D000")
            #expect(error.targetResult == .rejected)
        }
    }

    @Test func anUnresolvableHostIsUnreachable() async throws {
        let endpoint = PostgresEndpoint(host: "host.invalid", database: "airflow", sslMode: .disable)
        let credential = PostgresCredential(username: "someone", password: Secret(copying: Canary.make()))
        await #expect(throws: PostgresError(.unreachable, endpoint: endpoint)) {
            _ = try await PostgresConnection.open(endpoint, as: credential)
        }
    }
}
