import CfgAppliers
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

/// One uniquely named ACL user on a Redis server (the shared one, or a test's private one), the admin connection that
/// creates and deletes it, and the JSON values the target rotates.
struct RedisFixture: Sendable {
    /// The JSON member of the password in the values (as for an ElastiCache `auth_token`).
    static let passwordKey = "auth_token"
    /// The rules the rotated user gets: what the target needs (`PING`; `ACL SETUSER`/`GETUSER`/`SAVE`;
    /// `CONFIG GET`/`REWRITE`) and nothing else. `AUTH` needs no permission.
    static let rotatedUserRules = [
        "-@all", "+ping", "+acl|setuser", "+acl|getuser", "+acl|save", "+config|get", "+config|rewrite",
    ]

    let endpoint: RedisEndpoint
    /// The admin's user and password (`default` on the shared server). A throwaway value of a test server.
    let adminUser: String
    let adminPassword: String
    /// The rotated user: `cfg-test-<hex>`.
    let user: String

    /// A fixture on the shared server; skips the test when it is not running (fails under `make test`).
    static func shared() throws -> RedisFixture {
        let server = try TestServers.skipUnlessAvailable(try TestServers.redis(), "the test Redis server")
        return RedisFixture(
            endpoint: try RedisEndpoint(host: server.host, port: server.port, connectTimeout: .seconds(5)),
            adminUser: "default",
            adminPassword: server.password,
            user: "cfg-test-\(Hex.encode(SecureRandom.bytes(count: 8)))"
        )
    }

    /// A fixture on a private server whose passwordless `default` user gets `adminPassword` first.
    static func on(_ process: RedisProcess, adminPassword: String) async throws -> RedisFixture {
        let fixture = RedisFixture(
            endpoint: try RedisEndpoint(host: process.host, port: process.port),
            adminUser: "default",
            adminPassword: adminPassword,
            user: "cfg-test-\(Hex.encode(SecureRandom.bytes(count: 8)))"
        )
        let password = Secret(copying: adminPassword)
        try await RedisThread.run { () throws(RedisError) in
            let connection = try RedisConnection.connect(to: fixture.endpoint)
            defer { connection.close() }
            let reply = try connection.command([
                .text("ACL"), .text("SETUSER"), .text("default"), .text("resetpass"), .passwordRule(">", password),
            ])
            try connection.expectOK(reply, from: "ACL SETUSER")
        }
        return fixture
    }

    /// The value `{"username": user, "auth_token": password}`, or without the user name when `user` is nil.
    func value(_ password: String, user: String? = nil) throws -> Secret {
        var members = [(Self.passwordKey, Secret(copying: password))]
        if let user {
            members.insert(("username", Secret(copying: user)), at: 0)
        }
        return try SecureJSON.object(members)
    }

    /// The rotated user's value.
    func userValue(_ password: String) throws -> Secret {
        try value(password, user: user)
    }

    func target() throws -> RedisTarget {
        try RedisTarget(endpoint: endpoint, passwordKey: Self.passwordKey, usernameKey: "username")
    }

    /// Runs `body` over a connection logged in as the admin.
    func asAdmin<T: Sendable>(_ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> T) async throws -> T {
        let fixture = self
        return try await RedisThread.run { () throws(RedisError) -> T in
            let connection = try RedisConnection.connect(to: fixture.endpoint)
            defer { connection.close() }
            try connection.authenticate(user: fixture.adminUser, password: Secret(copying: fixture.adminPassword))
            return try body(connection)
        }
    }

    /// Creates the rotated user with one password, runs `body`, then deletes the user (and saves the ACL file, if
    /// the server has one), whether `body` threw or not.
    func withUser(password: String, _ body: () async throws -> Void) async throws {
        let user = user
        let rules = Self.rotatedUserRules
        let secret = Secret(copying: password)
        try await asAdmin { (connection) throws(RedisError) in
            let arguments: [RedisArgument] =
                [.text("ACL"), .text("SETUSER"), .text(user), .text("reset"), .text("on"), .passwordRule(">", secret)]
                + rules.map { .text($0) }
            try connection.expectOK(connection.command(arguments), from: "ACL SETUSER")
        }
        do {
            try await body()
        } catch {
            try? await deleteUser()
            throw error
        }
        try await deleteUser()
    }

    func deleteUser() async throws {
        let user = user
        try await asAdmin { (connection) throws(RedisError) in
            _ = try connection.command([.text("ACL"), .text("DELUSER"), .text(user)])
            if case .array(let pair) = try connection.command([.text("CONFIG"), .text("GET"), .text("aclfile")]),
                pair.count == 2, pair[1] != .string("")
            {
                _ = try connection.command([.text("ACL"), .text("SAVE")])
            }
        }
    }

    /// The number of passwords (SHA-256 hashes) the rotated user has.
    func passwordCount() async throws -> Int {
        let user = user
        let reply = try await asAdmin { (connection) throws(RedisError) in
            try connection.command([.text("ACL"), .text("GETUSER"), .text(user)])
        }
        guard case .array(let fields) = reply, let index = fields.firstIndex(of: .string("passwords")),
            case .array(let passwords) = fields[index + 1]
        else {
            Issue.record("ACL GETUSER did not list passwords")
            return -1
        }
        return passwords.count
    }

    /// Opens a connection logged in as `user` with `password` (the caller closes it).
    func loggedIn(user: String, password: String) async throws -> RedisConnection {
        let endpoint = endpoint
        let secret = Secret(copying: password)
        return try await RedisThread.run { () throws(RedisError) -> RedisConnection in
            let connection = try RedisConnection.connect(to: endpoint)
            try connection.authenticate(user: user, password: secret)
            return connection
        }
    }
}

extension RedisConnection {
    /// `ping()` off the cooperative pool.
    func pingOffThePool() async throws {
        try await RedisThread.run { () throws(RedisError) in try self.ping() }
    }
}
