import CfgAppliers
import CfgRotation
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

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

    @Test func aServerThatNeverAnswersHitsTheConnectDeadline() async throws {
        // A listening socket that is never accepted: the TCP handshake completes, the startup packet gets no answer.
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
                    && listen(descriptor, 4) == 0
            }
        }
        try #require(listening)
        let endpoint = PostgresEndpoint(
            host: "127.0.0.1",
            port: Int(UInt16(bigEndian: address.sin_port)),
            database: "airflow",
            sslMode: .disable,
            connectTimeout: .milliseconds(300)
        )
        let credential = PostgresCredential(username: "someone", password: Secret(copying: Canary.make()))
        let started = ContinuousClock.now
        await #expect(throws: PostgresError(.connectTimeout, endpoint: endpoint)) {
            _ = try await PostgresConnection.open(endpoint, as: credential)
        }
        // A hang guard, not a timing test: the error code says the deadline fired; a loaded machine may resume the
        // test late (seen: 28 s under the whole suite), so the bound only catches a connect that never ends.
        #expect(ContinuousClock.now - started < .seconds(90))
    }

    @Test func requiredTLSOnAServerWithoutItIsUnreachable() async throws {
        let cluster = try PostgresTestCluster()
        var endpoint = cluster.endpoint
        endpoint.sslMode = .require
        let credential = PostgresCredential(
            username: cluster.server.user,
            password: Secret(copying: cluster.server.password)
        )
        await #expect(throws: PostgresError(.unreachable, endpoint: endpoint)) {
            _ = try await PostgresConnection.open(endpoint, as: credential)
        }
    }

    @Test func aLoginThatIsNotAskedForItsPasswordProvesNothing() async throws {
        // The test cluster trusts its Unix socket (`initdb --auth-local=trust`), which sits beside the server log.
        let cluster = try PostgresTestCluster()
        let log = try #require(ProcessInfo.processInfo.environment["CFG_TEST_PG_LOG"])
        let directory = (log as NSString).deletingLastPathComponent
        try #require(FileManager.default.fileExists(atPath: "\(directory)/.s.PGSQL.\(cluster.server.port)"))
        var endpoint = cluster.endpoint
        endpoint.host = directory
        let credential = PostgresCredential(username: cluster.server.user, password: Secret(copying: Canary.make()))
        await #expect(throws: PostgresError(.passwordNotChecked, endpoint: endpoint)) {
            _ = try await PostgresConnection.open(endpoint, as: credential)
        }
    }
}
