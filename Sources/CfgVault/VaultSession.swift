import CfgAWSAuth
import CfgBackend
import CfgHTTP
import CfgSecure
import FoundationEssentials

/// The token a run uses: obtained once (a given token, or one login), renewed when the run outlives half its
/// time to live, revoked at the end when cfg created it.
///
/// An actor because it coordinates async work: concurrent first requests share one login.
actor VaultSession {
    /// A token and what is known about its lifetime.
    struct Token: Sendable {
        var secret: Secret
        /// cfg logged in for it (so cfg revokes it at the end).
        var createdByCFG: Bool
        /// Time to live when obtained or last renewed; nil when unknown or unlimited.
        var ttl: Duration?
        var renewable: Bool
        var obtainedAt: Date
        /// A given token's lifetime was looked up (`lookup-self`).
        var lookedUp = false
    }

    private enum State {
        case idle
        case obtaining(Task<Token, any Error>)
        case ready(Token)
        case closed
    }

    private let client: VaultClient
    private let auth: VaultAuth
    private let processEnvironment: [String: String]
    /// Signs the `aws` login; nil when the backend was built without one.
    private let awsCredentials: (any AWSCredentialProvider)?
    private let now: @Sendable () -> Date
    private var state: State = .idle
    /// Dynamic secrets handed out under this token and not revoked yet: revoking the token would revoke them too.
    private var outstandingLeases = 0
    /// How many logins and renewals this session made (the fetch-plan tests count requests).
    private(set) var logins = 0
    private(set) var renewals = 0

    init(
        client: VaultClient,
        auth: VaultAuth,
        processEnvironment: [String: String],
        awsCredentials: (any AWSCredentialProvider)? = nil,
        now: @escaping @Sendable () -> Date
    ) {
        self.client = client
        self.auth = auth
        self.processEnvironment = processEnvironment
        self.awsCredentials = awsCredentials
        self.now = now
    }

    /// The token to send, logging in on first use and renewing it when half its time to live has passed.
    func token() async throws(BackendError) -> Secret {
        switch state {
        case .closed:
            throw BackendError(
                .invalidRequest,
                backend: BackendError.vaultKind,
                message: "The Vault session is closed."
            )
        case .ready(let token):
            return try await renewedIfDue(token).secret
        case .obtaining(let task):
            return try await Self.value(of: task).secret
        case .idle:
            let task = Task { [client, auth, processEnvironment, awsCredentials, now] in
                try await Self.obtain(
                    client: client,
                    auth: auth,
                    processEnvironment: processEnvironment,
                    awsCredentials: awsCredentials,
                    now: now
                )
            }
            state = .obtaining(task)
            do throws(BackendError) {
                let token = try await Self.value(of: task)
                if token.createdByCFG { logins += 1 }
                if case .obtaining = state { state = .ready(token) }
                return token.secret
            } catch {
                if case .obtaining = state { state = .idle }
                throw error
            }
        }
    }

    /// Notes that a leased secret was issued under the token.
    func noteLeaseIssued() {
        outstandingLeases += 1
    }

    /// Notes that a leased secret issued under the token was revoked.
    func noteLeaseRevoked() {
        outstandingLeases = max(0, outstandingLeases - 1)
    }

    /// Renews the token now when it expires and can be renewed (a given token's lifetime is looked up first, once),
    /// for a supervisor that outlives it.
    ///
    /// - Returns: when to renew it next (two thirds of its new time to live), or nil when it does not expire or
    ///   cannot be renewed.
    func renewNow() async throws(BackendError) -> Date? {
        _ = try await token()
        guard case .ready(var token) = state else { return nil }
        if !token.createdByCFG, !token.lookedUp {
            token.lookedUp = true
            let call = VaultCall(method: .get, apiPath: "auth/token/lookup-self", action: "token lookup")
            let data = try await client.send(call, token: token.secret).json(call)?.root["data"]
            let ttl = data?["ttl"]?.int() ?? 0
            token.ttl = ttl > 0 ? .seconds(ttl) : nil
            token.renewable = data?["renewable"]?.bool() ?? false
            token.obtainedAt = now()
            state = .ready(token)
        }
        guard let ttl = token.ttl, ttl > .zero, token.renewable else { return nil }
        let call = VaultCall(method: .post, apiPath: "auth/token/renew-self", action: "token renewal")
        guard let auth = try await client.send(call, token: token.secret).json(call)?.root["auth"],
            let duration = auth["lease_duration"]?.int()
        else {
            throw .vaultMalformedAnswer(call, detail: "no auth.lease_duration")
        }
        token.ttl = duration > 0 ? .seconds(duration) : nil
        token.renewable = auth["renewable"]?.bool() ?? token.renewable
        token.obtainedAt = now()
        renewals += 1
        state = .ready(token)
        guard duration > 0 else { return nil }
        return token.obtainedAt.addingTimeInterval(Double(duration) * 2 / 3)
    }

    /// Whether the token is still valid (a `lookup-self`); used to tell an invalid token from a denied path.
    func tokenIsValid() async -> Bool {
        guard case .ready(let token) = state else { return true }
        let call = VaultCall(method: .get, apiPath: "auth/token/lookup-self", action: "token lookup", accepted: [403])
        guard let answer = try? await client.send(call, token: token.secret) else { return true }
        return answer.status != 403
    }

    /// The auth method's word, for messages.
    nonisolated var method: String { auth.method }

    /// Ends the session: revokes a token cfg created, unless leased secrets issued under it are still out (revoking
    /// the token would revoke them, and they may be in the files just written; they end with the token's TTL).
    func close() async {
        let previous = state
        state = .closed
        guard case .ready(let token) = previous, token.createdByCFG, outstandingLeases == 0 else { return }
        let call = VaultCall(method: .post, apiPath: "auth/token/revoke-self", action: "token revocation")
        _ = try? await client.send(call, token: token.secret)
    }

    // MARK: - Obtaining and renewing

    private static func value(of task: Task<Token, any Error>) async throws(BackendError) -> Token {
        do {
            return try await task.value
        } catch let error as BackendError {
            throw error
        } catch {
            throw BackendError(.unreachable, backend: BackendError.vaultKind, message: "Vault login was cancelled.")
        }
    }

    /// Renews a token cfg created once half its time to live has passed; logs in again if it already expired.
    private func renewedIfDue(_ token: Token) async throws(BackendError) -> Token {
        guard token.createdByCFG, let ttl = token.ttl, ttl > .zero else { return token }
        let age = now().timeIntervalSince(token.obtainedAt)
        let seconds = Double(ttl.components.seconds)
        guard age >= seconds / 2 else { return token }
        if token.renewable, age < seconds {
            let call = VaultCall(method: .post, apiPath: "auth/token/renew-self", action: "token renewal")
            if let answer = try? await client.send(call, token: token.secret),
                let auth = try? answer.json(call)?.root["auth"], let duration = auth["lease_duration"]?.int()
            {
                var renewed = token
                renewed.ttl = .seconds(duration)
                renewed.obtainedAt = now()
                renewed.renewable = auth["renewable"]?.bool() ?? token.renewable
                renewals += 1
                state = .ready(renewed)
                return renewed
            }
            return token
        }
        guard age >= seconds else { return token }
        state = .idle
        let fresh = try await Self.obtain(
            client: client,
            auth: auth,
            processEnvironment: processEnvironment,
            awsCredentials: awsCredentials,
            now: now
        )
        logins += 1
        state = .ready(fresh)
        return fresh
    }

    /// A given token, or one login.
    private static func obtain(
        client: VaultClient,
        auth: VaultAuth,
        processEnvironment: [String: String],
        awsCredentials: (any AWSCredentialProvider)?,
        now: @Sendable () -> Date
    ) async throws(BackendError) -> Token {
        switch auth {
        case .token(.variable(let name)):
            let secret = try VaultCredentials.read(
                .variable(name),
                what: "Vault token",
                processEnvironment: processEnvironment
            )
            return Token(secret: secret, createdByCFG: false, ttl: nil, renewable: false, obtainedAt: now())
        case .token(.file(let path)):
            let secret = try VaultCredentials.read(
                .file(path),
                what: "Vault token",
                processEnvironment: processEnvironment
            )
            return Token(secret: secret, createdByCFG: false, ttl: nil, renewable: false, obtainedAt: now())
        case .token(.homeFile(let path)) where FileManager.default.fileExists(atPath: path):
            let secret = try VaultCredentials.read(
                .file(path),
                what: "Vault token",
                processEnvironment: processEnvironment
            )
            return Token(secret: secret, createdByCFG: false, ttl: nil, renewable: false, obtainedAt: now())
        case .token(.homeFile), .token(.missing):
            throw .vaultCredentialMissing(
                "Vault token",
                hint: "set VAULT_TOKEN (or BAO_TOKEN), write ~/.vault-token, or configure backend.auth"
            )
        case .appRole(let mount, let roleID, let secretID):
            let writer = SecureJSONWriter()
            writer.beginObject()
            writer.key("role_id")
            try string(
                VaultCredentials.read(roleID, what: "AppRole role_id", processEnvironment: processEnvironment),
                into: writer
            )
            if let secretID {
                writer.key("secret_id")
                try string(
                    VaultCredentials.read(secretID, what: "AppRole secret_id", processEnvironment: processEnvironment),
                    into: writer
                )
            }
            writer.endObject()
            return try await login(client: client, method: "approle", mount: mount, body: writer.finish(), now: now)
        case .jwt(let mount, let role, let tokenFile):
            let writer = SecureJSONWriter()
            writer.beginObject()
            if let role {
                writer.key("role")
                writer.string(role)
            }
            writer.key("jwt")
            try string(
                VaultCredentials.read(.file(tokenFile), what: "JWT", processEnvironment: processEnvironment),
                into: writer
            )
            writer.endObject()
            return try await login(client: client, method: "jwt", mount: mount, body: writer.finish(), now: now)
        case .aws(let mount, let role, let region, let serverID):
            let request = VaultAWSLogin(mount: mount, role: role, region: region, serverID: serverID)
            return try await login(
                client: client,
                method: "aws",
                mount: mount,
                body: try await request.body(using: awsCredentials, now: now),
                now: now,
                rejected: { status in .vaultAWSLoginFailed(mount: mount, status: status) }
            )
        }
    }

    private static func string(_ value: Secret, into writer: SecureJSONWriter) throws(BackendError) {
        do {
            try writer.string(value)
        } catch {
            throw .vaultCredentialMissing("credential", hint: "a credential is not valid UTF-8 text")
        }
    }

    /// `POST auth/MOUNT/login`; the answer's `auth` block gives the token and its lifetime.
    ///
    /// - Parameter rejected: the error for a refused login (status 400, 401 or 403), when the method has a more
    ///   helpful sentence than the generic one.
    private static func login(
        client: VaultClient,
        method: String,
        mount: String,
        body: Secret,
        now: @Sendable () -> Date,
        rejected: ((Int) -> BackendError)? = nil
    ) async throws(BackendError) -> Token {
        let call = VaultCall(
            method: .post,
            apiPath: VaultPath.join("auth", mount, "login"),
            body: body,
            action: "\(method) login at auth/\(mount)",
            accepted: [400, 401, 403]
        )
        let answer = try await client.send(call, token: nil)
        guard (200...299).contains(answer.status) else {
            throw rejected?(answer.status) ?? .vaultLoginFailed(method: method, mount: mount, status: answer.status)
        }
        guard let auth = try answer.json(call)?.root["auth"], let secret = auth["client_token"]?.secretString(),
            !secret.isEmpty
        else {
            throw .vaultMalformedAnswer(call, detail: "no auth.client_token")
        }
        let duration = auth["lease_duration"]?.int() ?? 0
        return Token(
            secret: secret,
            createdByCFG: true,
            ttl: duration > 0 ? .seconds(duration) : nil,
            renewable: auth["renewable"]?.bool() ?? false,
            obtainedAt: now()
        )
    }
}
