package import CfgRotation
package import CfgSecure

/// Rotates a Redis ACL user's password with an overlap: the new password is added beside the old one, and the old
/// one is removed only at retirement.
///
/// The rotated secret's values are whole JSON objects holding the password (under ``passwordKey``) and optionally
/// the user name (under ``usernameKey``; none means the user `default`). Each step opens its own connection on a
/// thread of its own (``RedisThread``), bounded by the endpoint's timeouts:
/// - `tryLogin`, `test`: `AUTH user password`, then `PING`, as a consumer does.
/// - `apply`: logged in with the credential (as its user), `ACL SETUSER user >pending` for the pending value's user,
///   which adds a password and keeps every other one valid. Adding a password twice is harmless, so a repeated
///   apply changes nothing. The user needs `acl|setuser` (and `acl|save` or `config|rewrite`, `config|get` to
///   persist, `acl|getuser` for retire's check).
/// - `retire`: logged in with the old password itself, `ACL SETUSER user <old`, which removes that password only
///   (connections already logged in with it stay open). An old password that no longer logs in is already retired:
///   the step succeeds without a change. The step refuses to remove a user's last password.
///
/// `CONFIG SET requirepass` is never used: it replaces every password of `default`, so it leaves no overlap.
///
/// After `apply` and `retire`, the change is persisted: `ACL SAVE` when the server has an ACL file (`CONFIG GET
/// aclfile`), else `CONFIG REWRITE`; when neither works the step still succeeds (the change is live) and a note
/// says so. ``notes()`` returns these notes and the reason of every failed step, for the caller's report.
///
/// TLS (`rediss://`) is refused at initialisation: hiredis 0.14 has none.
package struct RedisTarget: RotationTarget {
    /// The server.
    package let endpoint: RedisEndpoint
    /// The JSON member holding the password (for example `auth_token`).
    package let passwordKey: String
    /// The JSON member holding the user name; nil when the value never names one (the user is `default`).
    package let usernameKey: String?
    /// Shared by copies of this value.
    let log = RedisNotes()

    /// - Parameters:
    ///   - endpoint: the server; not a TLS endpoint.
    ///   - passwordKey: the JSON member holding the password.
    ///   - usernameKey: the JSON member holding the user name, if any.
    /// - Throws: ``RedisError`` with code `tlsUnsupported` for a `rediss://` endpoint, `invalidValue` for an empty
    ///   key.
    package init(endpoint: RedisEndpoint, passwordKey: String, usernameKey: String? = "username") throws(RedisError) {
        guard !endpoint.usesTLS else {
            throw RedisError.tlsUnsupported(endpoint)
        }
        guard !passwordKey.isEmpty, usernameKey?.isEmpty != true else {
            throw RedisError(.invalidValue, "The Redis target's password and user name keys must not be empty.")
        }
        self.endpoint = endpoint
        self.passwordKey = passwordKey
        self.usernameKey = usernameKey
    }

    /// What the steps so far did that their results cannot say, oldest first: how each change was persisted
    /// ("apply: persisted with ACL SAVE") and why a step failed. Never holds a value.
    package func notes() async -> [String] {
        log.all
    }

    /// Forgets the notes (before another run).
    package func removeAllNotes() {
        log.removeAll()
    }

    package func tryLogin(with value: Secret) async -> RotationMachine.TargetResult {
        await logIn(with: value, step: "tryLogin")
    }

    package func apply(_ pending: Secret, loggedInWith credential: Secret) async -> RotationMachine.TargetResult {
        await step("apply") { () throws(RedisError) in
            let login = try self.credential(credential)
            let new = try self.credential(pending)
            try connected { (connection) throws(RedisError) in
                try connection.authenticate(user: login.user, password: login.password)
                let reply = try connection.command([
                    .text("ACL"), .text("SETUSER"), .text(new.user), .passwordRule(">", new.password),
                ])
                try connection.expectOK(reply, from: "ACL SETUSER")
                log.add("apply: \(persist(over: connection))")
            }
        }
    }

    package func test(_ pending: Secret) async -> RotationMachine.TargetResult {
        await logIn(with: pending, step: "test")
    }

    package func retire(_ old: Secret) async -> RotationMachine.TargetResult {
        await step("retire") { () throws(RedisError) in
            let old = try credential(old)
            try connected { (connection) throws(RedisError) in
                do throws(RedisError) {
                    try connection.authenticate(user: old.user, password: old.password)
                } catch  where error.code == .authenticationFailed {
                    log.add("retire: the old password no longer opens user \"\(old.user)\"; nothing to remove.")
                    return
                }
                try ensureAnotherPassword(of: old.user, over: connection)
                let reply = try connection.command([
                    .text("ACL"), .text("SETUSER"), .text(old.user), .passwordRule("<", old.password),
                ])
                try connection.expectOK(reply, from: "ACL SETUSER")
                log.add("retire: \(persist(over: connection))")
            }
        }
    }

    // MARK: - Steps

    /// `AUTH user password` and `PING` on a connection of its own, as a consumer does.
    private func logIn(with value: Secret, step name: String) async -> RotationMachine.TargetResult {
        await step(name) { () throws(RedisError) in
            let credential = try credential(value)
            try connected { (connection) throws(RedisError) in
                try connection.authenticate(user: credential.user, password: credential.password)
                try connection.ping()
            }
        }
    }

    /// Runs `body` on a thread of its own; a failure becomes a note and the step's result.
    private func step(
        _ name: String,
        _ body: @escaping @Sendable () throws(RedisError) -> Void
    ) async -> RotationMachine.TargetResult {
        do {
            try await RedisThread.run(body)
            return .succeeded
        } catch {
            log.add("\(name): \(error.description)")
            return error.targetResult
        }
    }

    private func credential(_ value: Secret) throws(RedisError) -> RedisCredential {
        try RedisCredential(parsing: value, passwordKey: passwordKey, usernameKey: usernameKey)
    }

    /// Connects, runs `body` and closes the connection.
    private func connected(_ body: (RedisConnection) throws(RedisError) -> Void) throws(RedisError) {
        let connection = try RedisConnection.connect(to: endpoint)
        defer { connection.close() }
        try body(connection)
    }
}
