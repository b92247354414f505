package import CfgAWSAuth
package import CfgBackend
package import CfgHTTP
package import CfgSecure
package import FoundationEssentials

/// Secrets from HashiCorp Vault or OpenBao: KV v2 (versions, labels, check-and-set) or KV v1 on one mount, and
/// dynamic secrets from leased endpoints (`database/creds/ROLE`), over one ``HTTPTransport``.
///
/// A run logs in at most once (the session is shared by every request); a batch fetch sends one request per
/// distinct secret, in parallel, over reused connections.
package final class VaultBackend: LeasingBackend {
    package let kind = "vault"
    package let settings: VaultSettings
    private let session: VaultSession
    private let api: VaultAPI
    private let engine: any KVEngine
    private let now: @Sendable () -> Date
    /// Releases the transport at `close()` (its owner decides what that means).
    private let releaseTransport: @Sendable () -> Void

    /// A backend over `transport`.
    ///
    /// - Parameters:
    ///   - processEnvironment: the process environment, for credentials named by variable.
    ///   - awsCredentials: signs the `aws` auth method's login (the AWS credential chain); unused by the other
    ///     methods, and an `aws` login without it fails with a message saying so.
    ///   - now: wall-clock time (injected for token renewal tests).
    ///   - sleep: waits between retries (injected so tests need not wait).
    ///   - releaseTransport: called once at `close()`, after the session ended.
    package init(
        settings: VaultSettings,
        transport: any HTTPTransport,
        processEnvironment: [String: String],
        awsCredentials: (any AWSCredentialProvider)? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        releaseTransport: @escaping @Sendable () -> Void = {}
    ) {
        self.settings = settings
        self.now = now
        let client = VaultClient(settings: settings, transport: transport, sleep: sleep)
        let session = VaultSession(
            client: client,
            auth: settings.auth,
            processEnvironment: processEnvironment,
            awsCredentials: awsCredentials,
            now: now
        )
        self.session = session
        let api = VaultAPI(client: client, session: session)
        self.api = api
        self.engine =
            settings.kvVersion == 1
            ? KVv1Engine(api: api, mount: settings.mount) : KVv2Engine(api: api, mount: settings.mount)
        self.releaseTransport = releaseTransport
    }

    // MARK: - SecretBackend

    package func fetch(_ request: SecretRequest) async throws(BackendError) -> SecretVersion {
        if request.dynamic { return try await fetchDynamic(request.path) }
        return try await engine.fetch(request)
    }

    package func store(
        _ payload: Secret,
        at path: SecretPath,
        labels: Set<VersionLabel>,
        expectedCurrent: String?
    ) async throws(BackendError) -> String {
        try await engine.store(payload, at: path, labels: labels, expectedCurrent: expectedCurrent)
    }

    package func moveLabel(_ label: VersionLabel, to versionID: String, at path: SecretPath) async throws(BackendError)
    {
        try await engine.moveLabel(label, to: versionID, at: path)
    }

    package func removeLabel(_ label: VersionLabel, at path: SecretPath) async throws(BackendError) {
        try await engine.removeLabel(label, at: path)
    }

    package func fetchMetadata(_ path: SecretPath) async throws(BackendError) -> SecretMetadata {
        try await engine.fetchMetadata(path)
    }

    /// Revokes the token cfg logged in for (unless leases were issued under it) and stops the transport.
    package func close() async {
        await session.close()
        releaseTransport()
    }

    /// Logins and token renewals made so far.
    package var sessionStatistics: (logins: Int, renewals: Int) {
        get async { (await session.logins, await session.renewals) }
    }

    // MARK: - Dynamic secrets and leases

    /// `GET PATH` on a leased endpoint: the answer's `data` is the secret, its lease is kept.
    private func fetchDynamic(_ path: SecretPath) async throws(BackendError) -> SecretVersion {
        let call = VaultCall(
            method: .get,
            apiPath: VaultPath.encoded(path.rawValue),
            action: "read of dynamic secret '\(path)'",
            secretPath: path
        )
        let answer = try await api.send(call)
        guard let root = try answer.json(call)?.root, let data = root["data"], data.kind == .object else {
            throw .vaultMalformedAnswer(call, detail: "no data")
        }
        let issuedAt = now()
        var lease: SecretLease?
        if let id = root["lease_id"]?.text(), !id.isEmpty {
            lease = SecretLease(
                id: id,
                duration: .seconds(root["lease_duration"]?.int() ?? 0),
                renewable: root["renewable"]?.bool() ?? false,
                issuedAt: issuedAt
            )
            await session.noteLeaseIssued()
        }
        return SecretVersion(
            path: path,
            versionID: root["request_id"]?.text() ?? "",
            labels: [.current],
            createdAt: issuedAt,
            payload: data.rawBytes(),
            lease: lease
        )
    }

    package func renew(_ lease: SecretLease, increment: Duration) async throws(BackendError) -> SecretLease {
        let call = leaseCall("renew", lease, increment: increment)
        let answer = try await api.send(call)
        guard let root = try answer.json(call)?.root, let duration = root["lease_duration"]?.int() else {
            throw .vaultMalformedAnswer(call, detail: "no lease_duration")
        }
        return SecretLease(
            id: root["lease_id"]?.text() ?? lease.id,
            duration: .seconds(duration),
            renewable: root["renewable"]?.bool() ?? lease.renewable,
            issuedAt: now()
        )
    }

    package func revoke(_ lease: SecretLease) async throws(BackendError) {
        _ = try await api.send(leaseCall("revoke", lease, increment: nil))
        await session.noteLeaseRevoked()
    }

    package func renewSession() async throws(BackendError) -> Date? {
        try await session.renewNow()
    }

    private func leaseCall(_ verb: String, _ lease: SecretLease, increment: Duration?) -> VaultCall {
        let writer = SecureJSONWriter()
        writer.beginObject()
        writer.key("lease_id")
        writer.string(lease.id)
        if let increment {
            writer.key("increment")
            writer.number(Int(increment.components.seconds))
        }
        writer.endObject()
        return VaultCall(
            method: .put,
            apiPath: "sys/leases/\(verb)",
            body: writer.finish(),
            action: "lease \(verb) of '\(lease.id)'"
        )
    }
}
