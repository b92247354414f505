import CfgAppliers
import CfgRotation
import CfgSecure
import CfgTestSupport
import Testing

/// The PostgreSQL target against the real test cluster: both strategies, the answers the machine relies on, and the
/// promise that no cleartext password reaches the server's log or `pg_stat_statements`.
@Suite struct PostgresTargetTests {
    @Test func singleRotationChangesThePasswordAndKeepsOpenSessions() async throws {
        let cluster = try PostgresTestCluster()
        let role = PostgresTestCluster.uniqueName()
        let (old, new) = (Canary.make(), Canary.make())
        let failures = FailureLog()
        try await cluster.cleaningUp(roles: [role]) {
            try await cluster.createLoginRole(role, password: old)
            let current = try PostgresTestCluster.value(username: role, password: old)
            let pending = try PostgresTestCluster.value(username: role, password: new)
            let target = PostgresTarget(endpoint: cluster.endpoint, strategy: .single, onFailure: failures.handler)
            let session = try await PostgresConnection.open(
                cluster.endpoint,
                as: PostgresCredential(username: role, password: Secret(copying: old))
            )

            #expect(await target.tryLogin(with: pending) == .rejected)
            #expect(await target.tryLogin(with: current) == .succeeded)
            #expect(await target.apply(pending, loggedInWith: current) == .succeeded)
            #expect(await target.tryLogin(with: pending) == .succeeded)
            #expect(await target.test(pending) == .succeeded)
            #expect(await target.tryLogin(with: current) == .rejected)
            // The session opened with the old password survives the change.
            #expect(try await session.rows("SELECT 41 + 1", doing: "a query").first?.first == "42")
            await session.close()

            // Re-running is harmless: the old password no longer opens the role, the new one sets itself again.
            #expect(await target.apply(pending, loggedInWith: current) == .rejected)
            #expect(await target.apply(pending, loggedInWith: pending) == .succeeded)
            #expect(await target.tryLogin(with: pending) == .succeeded)
            #expect(await target.retire(current) == .succeeded)
            #expect(await target.tryLogin(with: pending) == .succeeded)

            try await cluster.expectNoCleartext([old, new], loggedRole: role)
        }
        #expect(failures.all.map(\.code).allSatisfy { $0 == .authenticationFailed })
        #expect(!failures.all.isEmpty)
        Canary.assertAbsent(old, in: failures.texts)
        Canary.assertAbsent(new, in: failures.texts)
    }

    @Test func aWrongPasswordOrAnUnknownRoleIsRejected() async throws {
        let cluster = try PostgresTestCluster()
        let role = PostgresTestCluster.uniqueName()
        let (right, wrong) = (Canary.make(), Canary.make())
        let failures = FailureLog()
        try await cluster.cleaningUp(roles: [role]) {
            try await cluster.createLoginRole(role, password: right)
            let target = PostgresTarget(endpoint: cluster.endpoint, strategy: .single, onFailure: failures.handler)
            let wrongValue = try PostgresTestCluster.value(username: role, password: wrong)
            let unknownRole = try PostgresTestCluster.value(username: role + "_none", password: right)
            #expect(await target.tryLogin(with: wrongValue) == .rejected)
            #expect(await target.test(unknownRole) == .rejected)
            #expect(await target.apply(wrongValue, loggedInWith: wrongValue) == .rejected)
        }
        #expect(failures.all.map(\.code) == [.authenticationFailed, .authenticationFailed, .authenticationFailed])
        #expect(failures.all.map(\.sqlState) == ["28P01", "28P01", "28P01"])
        Canary.assertAbsent(right, in: failures.texts)
        Canary.assertAbsent(wrong, in: failures.texts)
    }

    @Test func aClosedPortIsUnreachable() async throws {
        let cluster = try PostgresTestCluster()
        var endpoint = cluster.endpoint
        endpoint.port = try TestServers.freePort()
        let failures = FailureLog()
        let canary = Canary.make()
        let target = PostgresTarget(endpoint: endpoint, strategy: .single, onFailure: failures.handler)
        let value = try PostgresTestCluster.value(username: "nobody", password: canary)
        #expect(await target.tryLogin(with: value) == .unreachable)
        #expect(await target.apply(value, loggedInWith: value) == .unreachable)
        #expect(failures.all.map(\.code) == [.unreachable, .unreachable])
        Canary.assertAbsent(canary, in: failures.texts)
    }

    @Test func aMalformedValueIsRejectedNamingOnlyTheKey() async throws {
        let cluster = try PostgresTestCluster()
        let canary = Canary.make()
        let failures = FailureLog()
        let target = PostgresTarget(
            endpoint: cluster.endpoint,
            strategy: .single,
            keys: PostgresSecretKeys(username: "user", password: "pass"),
            onFailure: failures.handler
        )
        let wrongKeys = try PostgresTestCluster.value(username: "someone", password: canary)
        let notJSON = Secret(copying: canary)
        let withNUL = try SecureJSON.object([("user", Secret(copying: "r")), ("pass", Secret(copying: "a\u{0}b"))])
        #expect(await target.tryLogin(with: wrongKeys) == .rejected)
        #expect(await target.test(notJSON) == .rejected)
        #expect(await target.tryLogin(with: withNUL) == .rejected)
        #expect(failures.all.map(\.code) == [.invalidValue, .invalidValue, .invalidValue])
        #expect(failures.all.first?.description.contains("'user'") == true)
        Canary.assertAbsent(canary, in: failures.texts)
    }

    @Test func singleRefusesAPendingValueForAnotherRole() async throws {
        let cluster = try PostgresTestCluster()
        let failures = FailureLog()
        let target = PostgresTarget(endpoint: cluster.endpoint, strategy: .single, onFailure: failures.handler)
        let current = try PostgresTestCluster.value(username: "role_a", password: Canary.make())
        let pending = try PostgresTestCluster.value(username: "role_b", password: Canary.make())
        #expect(await target.apply(pending, loggedInWith: current) == .rejected)
        #expect(failures.all.map(\.code) == [.invalidValue])
    }

    @Test func alternateCreatesTheCloneWithTheGroupsGrantsAndKeepsTheOldRole() async throws {
        let cluster = try PostgresTestCluster()
        let role = PostgresTestCluster.uniqueName()
        let (group, clone, table) = (role + "_group", role + "_clone", role + "_table")
        let passwords = [Canary.make(), Canary.make(), Canary.make()]
        let failures = FailureLog()
        try await cluster.cleaningUp(tables: [table], roles: [clone, role, group]) {
            try await cluster.asSuperuser { connection in
                try await connection.execute(
                    "CREATE ROLE \(group) NOLOGIN; CREATE TABLE \(table) (v int); INSERT INTO \(table) VALUES (7); "
                        + "GRANT SELECT ON \(table) TO \(group)",
                    doing: "preparing the group"
                )
            }
            try await cluster.createLoginRole(role, password: passwords[0], inGroup: group)
            let target = PostgresTarget(
                endpoint: cluster.endpoint,
                strategy: .alternate(admin: try cluster.adminSecret, group: group),
                onFailure: failures.handler
            )
            let first = try PostgresTestCluster.value(username: role, password: passwords[0])
            let second = try PostgresTestCluster.value(username: clone, password: passwords[1])
            let third = try PostgresTestCluster.value(username: role, password: passwords[2])

            // First rotation: the clone does not exist yet and is created with the group's privileges.
            #expect(await target.tryLogin(with: second) == .rejected)
            #expect(await target.apply(second, loggedInWith: first) == .succeeded)
            #expect(await target.apply(second, loggedInWith: first) == .succeeded)
            #expect(await target.test(second) == .succeeded)
            #expect(try await selectTable(table, as: clone, password: passwords[1], cluster) == "7")
            #expect(await target.tryLogin(with: first) == .succeeded)
            #expect(await target.retire(first) == .succeeded)
            #expect(await target.tryLogin(with: first) == .succeeded)

            // Second rotation: back to the first role, which exists and is altered; the clone keeps working.
            #expect(await target.apply(third, loggedInWith: second) == .succeeded)
            #expect(await target.test(third) == .succeeded)
            #expect(await target.tryLogin(with: first) == .rejected)
            #expect(await target.tryLogin(with: second) == .succeeded)
            #expect(try await selectTable(table, as: role, password: passwords[2], cluster) == "7")

            let log = try cluster.serverLog()
            #expect(log.contains("CREATE ROLE \"\(clone)\" LOGIN PASSWORD 'SCRAM-SHA-256$4096:"))
            try await cluster.expectNoCleartext(passwords, loggedRole: role)
        }
        for password in passwords {
            Canary.assertAbsent(password, in: failures.texts)
        }
    }

    @Test func alternateWithoutAGroupMakesTheCloneAMemberOfTheCurrentRole() async throws {
        let cluster = try PostgresTestCluster()
        let role = PostgresTestCluster.uniqueName()
        let clone = role + "_clone"
        let (old, new) = (Canary.make(), Canary.make())
        try await cluster.cleaningUp(roles: [clone, role]) {
            try await cluster.createLoginRole(role, password: old)
            let target = PostgresTarget(
                endpoint: cluster.endpoint,
                strategy: .alternate(admin: try cluster.adminSecret, group: nil)
            )
            let current = try PostgresTestCluster.value(username: role, password: old)
            let pending = try PostgresTestCluster.value(username: clone, password: new)
            #expect(await target.apply(pending, loggedInWith: current) == .succeeded)
            let membership = try await cluster.asSuperuser { connection in
                try await connection.rows(
                    "SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                        + "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = $1 AND u.rolname = $2",
                    parameters: [role, clone],
                    doing: "reading the membership"
                )
            }
            #expect(membership.count == 1)
            #expect(await target.test(pending) == .succeeded)
            #expect(await target.tryLogin(with: current) == .succeeded)
            try await cluster.expectNoCleartext([old, new], loggedRole: role)
        }
    }

    @Test func alternateRefusesAPendingValueForTheSameRoleAndABadAdmin() async throws {
        let cluster = try PostgresTestCluster()
        let failures = FailureLog()
        let canary = Canary.make()
        let badAdmin = try PostgresTestCluster.value(username: cluster.server.user, password: canary)
        let same = try PostgresTestCluster.value(username: "role_a", password: Canary.make())
        let other = try PostgresTestCluster.value(username: "role_a_clone", password: Canary.make())
        let sameRole = PostgresTarget(
            endpoint: cluster.endpoint,
            strategy: .alternate(admin: try cluster.adminSecret, group: nil),
            onFailure: failures.handler
        )
        #expect(await sameRole.apply(same, loggedInWith: same) == .rejected)
        let wrongAdmin = PostgresTarget(
            endpoint: cluster.endpoint,
            strategy: .alternate(admin: badAdmin, group: nil),
            onFailure: failures.handler
        )
        #expect(await wrongAdmin.apply(other, loggedInWith: same) == .rejected)
        #expect(failures.all.map(\.code) == [.invalidValue, .authenticationFailed])
        Canary.assertAbsent(canary, in: failures.texts + [String(describing: wrongAdmin.strategy)])
    }

    /// `SELECT v FROM table` as `role`.
    private func selectTable(
        _ table: String,
        as role: String,
        password: String,
        _ cluster: PostgresTestCluster
    ) async throws -> String? {
        let connection = try await PostgresConnection.open(
            cluster.endpoint,
            as: PostgresCredential(username: role, password: Secret(copying: password))
        )
        let rows = try await connection.rows("SELECT v FROM \(table)", doing: "reading the table")
        await connection.close()
        return rows.first?.first ?? nil
    }
}
