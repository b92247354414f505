import CfgAppliers
import CfgRotation
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

/// `RedisTarget` against the real Redis server `make test` starts (and private ones for the `default` user and the
/// persistence variants). Each test rotates a user of its own, deleted afterwards.
@Suite struct RedisTargetTests {
    @Test func bothPasswordsWorkDuringTheOverlapAndOnlyTheNewOneAfterRetire() async throws {
        let fixture = try RedisFixture.shared()
        try await fixture.withUser(password: "old-password-1") {
            let target = try fixture.target()
            let old = try fixture.userValue("old-password-1")
            let new = try fixture.userValue("new-password-2")
            #expect(await target.tryLogin(with: old) == .succeeded)
            #expect(await target.tryLogin(with: new) == .rejected)

            #expect(await target.apply(new, loggedInWith: old) == .succeeded)
            #expect(await target.tryLogin(with: old) == .succeeded)
            #expect(await target.tryLogin(with: new) == .succeeded)
            #expect(await target.test(new) == .succeeded)

            #expect(await target.retire(old) == .succeeded)
            #expect(await target.tryLogin(with: old) == .rejected)
            #expect(await target.tryLogin(with: new) == .succeeded)
            #expect(try await fixture.passwordCount() == 1)
            let notes = await target.notes()
            #expect(notes.contains("apply: persisted with ACL SAVE"))
            #expect(notes.contains("retire: persisted with ACL SAVE"))
        }
    }

    @Test func aConnectionOpenedBeforeApplyKeepsWorkingThroughApplyAndRetire() async throws {
        let fixture = try RedisFixture.shared()
        try await fixture.withUser(password: "old-password-1") {
            let target = try fixture.target()
            let connection = try await fixture.loggedIn(user: fixture.user, password: "old-password-1")
            defer { connection.close() }
            try await connection.pingOffThePool()
            #expect(
                await target.apply(try fixture.userValue("new"), loggedInWith: try fixture.userValue("old-password-1"))
                    == .succeeded
            )
            try await connection.pingOffThePool()
            // Promotion happens in the store only; the target sees the retirement of the old value next.
            #expect(await target.test(try fixture.userValue("new")) == .succeeded)
            #expect(await target.retire(try fixture.userValue("old-password-1")) == .succeeded)
            try await connection.pingOffThePool()
        }
    }

    @Test func applyingTwiceIsHarmless() async throws {
        let fixture = try RedisFixture.shared()
        try await fixture.withUser(password: "old") {
            let target = try fixture.target()
            let old = try fixture.userValue("old")
            let new = try fixture.userValue("new")
            #expect(await target.apply(new, loggedInWith: old) == .succeeded)
            #expect(await target.apply(new, loggedInWith: old) == .succeeded)
            #expect(try await fixture.passwordCount() == 2)
            #expect(await target.retire(old) == .succeeded)
            #expect(try await fixture.passwordCount() == 1)
            #expect(await target.tryLogin(with: new) == .succeeded)
        }
    }

    @Test func retiringTwiceIsHarmless() async throws {
        let fixture = try RedisFixture.shared()
        try await fixture.withUser(password: "old") {
            let target = try fixture.target()
            let old = try fixture.userValue("old")
            #expect(await target.apply(try fixture.userValue("new"), loggedInWith: old) == .succeeded)
            #expect(await target.retire(old) == .succeeded)
            #expect(await target.retire(old) == .succeeded)
            #expect(await target.notes().contains { $0.hasPrefix("retire: the old password no longer opens user") })
            #expect(await target.tryLogin(with: try fixture.userValue("new")) == .succeeded)
        }
    }

    @Test func retireRefusesToRemoveTheLastPassword() async throws {
        let fixture = try RedisFixture.shared()
        try await fixture.withUser(password: "only") {
            let target = try fixture.target()
            #expect(await target.retire(try fixture.userValue("only")) == .rejected)
            #expect(await target.tryLogin(with: try fixture.userValue("only")) == .succeeded)
            #expect(await target.notes().contains { $0.contains("has no password besides the old one") })
        }
    }

    @Test func aWrongCredentialIsRejected() async throws {
        let fixture = try RedisFixture.shared()
        try await fixture.withUser(password: "right") {
            let target = try fixture.target()
            let wrong = try fixture.userValue("wrong")
            #expect(await target.tryLogin(with: wrong) == .rejected)
            #expect(await target.apply(try fixture.userValue("new"), loggedInWith: wrong) == .rejected)
            #expect(await target.test(wrong) == .rejected)
            #expect(await target.tryLogin(with: try fixture.userValue("new")) == .rejected)
            let notes = await target.notes()
            #expect(notes.contains { $0.hasPrefix("apply: ") && $0.contains("refused the login (WRONGPASS)") })
        }
    }

    @Test func aUserWithoutACLRightsCannotApply() async throws {
        let fixture = try RedisFixture.shared()
        try await fixture.withUser(password: "old") {
            let user = fixture.user
            try await fixture.asAdmin { (connection) throws(RedisError) in
                _ = try connection.command([.text("ACL"), .text("SETUSER"), .text(user), .text("-acl|setuser")])
            }
            let target = try fixture.target()
            #expect(
                await target.apply(try fixture.userValue("new"), loggedInWith: try fixture.userValue("old"))
                    == .rejected
            )
            #expect(await target.notes().contains { $0.contains("refused ACL SETUSER (NOPERM)") })
        }
    }

    @Test func aClosedPortIsUnreachable() async throws {
        let endpoint = try RedisEndpoint(
            host: "127.0.0.1",
            port: try TestServers.freePort(),
            connectTimeout: .seconds(2)
        )
        let target = try RedisTarget(endpoint: endpoint, passwordKey: RedisFixture.passwordKey)
        let value = try SecureJSON.object([(RedisFixture.passwordKey, Secret(copying: "p"))])
        #expect(await target.tryLogin(with: value) == .unreachable)
        #expect(await target.apply(value, loggedInWith: value) == .unreachable)
        #expect(await target.test(value) == .unreachable)
        #expect(await target.retire(value) == .unreachable)
        #expect(await target.notes().allSatisfy { $0.contains("could not be reached while connecting") })
    }

    @Test func aServerThatDoesNotAnswerIsUnreachableWithinTheCommandTimeout() async throws {
        let process = try await RedisProcess.start(persistence: .none)
        defer { process.stop() }
        process.freeze()
        let endpoint = try RedisEndpoint(host: process.host, port: process.port, commandTimeout: .milliseconds(300))
        let target = try RedisTarget(endpoint: endpoint, passwordKey: RedisFixture.passwordKey)
        let value = try SecureJSON.object([(RedisFixture.passwordKey, Secret(copying: "p"))])
        let start = ContinuousClock.now
        #expect(await target.tryLogin(with: value) == .unreachable)
        // A hang guard (the note says the timeout fired); a loaded machine may resume the test late.
        #expect(ContinuousClock.now - start < .seconds(90))
        #expect(await target.notes().allSatisfy { $0.contains("waiting for the reply to AUTH (timed out)") })
    }

    @Test func aValueThatIsNotTheExpectedJSONIsRejectedWithoutConnecting() async throws {
        // Nothing listens there: a value refused before connecting says so, not "unreachable".
        let endpoint = try RedisEndpoint(host: "127.0.0.1", port: try TestServers.freePort())
        let target = try RedisTarget(endpoint: endpoint, passwordKey: RedisFixture.passwordKey)
        #expect(await target.tryLogin(with: Secret(copying: "not json")) == .rejected)
        #expect(await target.tryLogin(with: try SecureJSON.object([("password", Secret(copying: "p"))])) == .rejected)
        let notes = await target.notes()
        #expect(notes.first == "tryLogin: The secret's value is not JSON; a Redis secret is a JSON object.")
        #expect(notes.last?.contains("no non-empty string \"auth_token\"") == true)
    }

    @Test func aTLSEndpointIsRefusedAtInitialisation() throws {
        let endpoint = try RedisEndpoint(url: "rediss://cache.example.com:6380")
        #expect(throws: RedisError(.tlsUnsupported, "")) {
            try RedisTarget(endpoint: endpoint, passwordKey: "auth_token")
        }
        do {
            _ = try RedisTarget(endpoint: endpoint, passwordKey: "auth_token")
        } catch {
            #expect(error.description.contains("has no TLS support"))
        }
    }

    @Test func theDefaultUserRotatesTheSameWay() async throws {
        let process = try await RedisProcess.start(persistence: .aclFile)
        defer { process.stop() }
        let fixture = try await RedisFixture.on(process, adminPassword: "admin-password")
        let target = try RedisTarget(endpoint: fixture.endpoint, passwordKey: RedisFixture.passwordKey)
        let old = try fixture.value("admin-password")
        let new = try fixture.value("next-admin-password")
        #expect(await target.apply(new, loggedInWith: old) == .succeeded)
        #expect(await target.tryLogin(with: old) == .succeeded)
        #expect(await target.test(new) == .succeeded)
        #expect(await target.retire(old) == .succeeded)
        #expect(await target.tryLogin(with: old) == .rejected)
        #expect(await target.tryLogin(with: new) == .succeeded)
        let aclFile = try String(contentsOfFile: try #require(process.aclFilePath), encoding: .utf8)
        #expect(aclFile.contains("user default on"))
        #expect(!aclFile.contains("admin-password"))
    }

    @Test func theACLFileHoldsTheUserWithHashedPasswordsOnly() async throws {
        let fixture = try RedisFixture.shared()
        let server = try #require(try TestServers.redis())
        let canary = Canary.make()
        try await fixture.withUser(password: "old") {
            let target = try fixture.target()
            #expect(
                await target.apply(try fixture.userValue(canary), loggedInWith: try fixture.userValue("old"))
                    == .succeeded
            )
            let aclFile = try String(contentsOfFile: server.aclFile, encoding: .utf8)
            let line = aclFile.split(separator: "\n").first { $0.hasPrefix("user \(fixture.user) ") }
            let userLine = try #require(line.map(String.init))
            #expect(userLine.split(separator: " ").filter { $0.hasPrefix("#") }.count == 2)
            #expect(!userLine.contains(">"))
            Canary.assertAbsent(canary, in: [aclFile])
            #expect(await target.tryLogin(with: try fixture.userValue(canary)) == .succeeded)
        }
    }

    @Test func configRewritePersistsWhenThereIsNoACLFile() async throws {
        let process = try await RedisProcess.start(persistence: .configFile)
        defer { process.stop() }
        let fixture = try await RedisFixture.on(process, adminPassword: "admin-password")
        try await fixture.withUser(password: "old") {
            let target = try fixture.target()
            #expect(
                await target.apply(try fixture.userValue("new"), loggedInWith: try fixture.userValue("old"))
                    == .succeeded
            )
            #expect(await target.notes() == ["apply: persisted with CONFIG REWRITE"])
            let config = try String(contentsOfFile: try #require(process.configFilePath), encoding: .utf8)
            #expect(config.contains("user \(fixture.user) "))
            #expect(!config.contains(">new"))
        }
    }

    @Test func aServerWithoutFilesIsChangedButNotPersisted() async throws {
        let process = try await RedisProcess.start(persistence: .none)
        defer { process.stop() }
        let fixture = try await RedisFixture.on(process, adminPassword: "admin-password")
        try await fixture.withUser(password: "old") {
            let target = try fixture.target()
            #expect(
                await target.apply(try fixture.userValue("new"), loggedInWith: try fixture.userValue("old"))
                    == .succeeded
            )
            #expect(
                await target.notes() == ["apply: not persisted: the server has neither an ACL file nor a config file"]
            )
            #expect(await target.tryLogin(with: try fixture.userValue("new")) == .succeeded)
        }
    }

    @Test func canaryValuesNeverReachNotesOrErrors() async throws {
        let fixture = try RedisFixture.shared()
        let canary = Canary.make()
        var texts: [String] = []
        try await fixture.withUser(password: canary) {
            let target = try fixture.target()
            let current = try fixture.userValue(canary)
            let wrong = try fixture.userValue(canary + "-wrong")
            #expect(await target.tryLogin(with: wrong) == .rejected)
            #expect(await target.apply(current, loggedInWith: wrong) == .rejected)
            #expect(await target.retire(current) == .rejected)  // its only password
            #expect(await target.apply(try fixture.userValue("new"), loggedInWith: current) == .succeeded)
            #expect(await target.retire(current) == .succeeded)
            #expect(await target.retire(current) == .succeeded)
            texts += await target.notes()
            texts.append(String(describing: target))
            // ACL SETUSER echoes a failing modifier, password included: the error keeps only "ERR".
            let user = fixture.user
            let secret = Secret(copying: canary)
            do {
                try await fixture.asAdmin { (connection) throws(RedisError) in
                    _ = try connection.command([
                        .text("ACL"), .text("SETUSER"), .text(user), .passwordRule("<", secret),
                    ])
                }
                Issue.record("removing a password the user does not have succeeded")
            } catch let error as RedisError {
                #expect(error.code == .commandFailed)
                texts += [error.description, String(reflecting: error)]
            }
        }
        #expect(texts.count > 6)
        Canary.assertAbsent(canary, in: texts)
    }

    @Test func aReplyLargerThanTheLimitIsRefused() async throws {
        let fixture = try RedisFixture.shared()
        let key = "cfg-test-large-\(Hex.encode(SecureRandom.bytes(count: 8)))"
        try await fixture.asAdmin { (connection) throws(RedisError) in
            let large = String(repeating: "x", count: RedisConnection.maxReplyBytes + 1)
            _ = try connection.command([.text("SET"), .text(key), .text(large)])
        }
        await #expect(throws: RedisError(.malformedReply, "")) {
            try await fixture.asAdmin { (connection) throws(RedisError) in
                _ = try connection.command([.text("GET"), .text(key)])
            }
        }
        try await fixture.asAdmin { (connection) throws(RedisError) in
            _ = try connection.command([.text("DEL"), .text(key)])
        }
    }
}
