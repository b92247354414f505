import CfgAWSAuth
package import CfgBackend
package import CfgHTTP
package import CfgSecure
import FoundationEssentials

/// AWS Secrets Manager as a ``SecretBackend``.
///
/// Paths are secret names or ARNs. Labels are Secrets Manager's staging labels (`current` = `AWSCURRENT`,
/// `previous` = `AWSPREVIOUS`, `pending` = `AWSPENDING`); version ids are its `VersionId`s. A batch of current
/// versions is read with `BatchGetSecretValue`, 20 secrets a call, the calls in parallel; pinned versions with
/// `GetSecretValue`. Every version read carries its secret's full ARN as a ``DeliveryReference`` for ECS.
package struct AWSBackend: SecretBackend {
    package let kind = "aws"
    let api: SecretsManagerAPI
    /// What `CreateSecret` sets besides the value.
    let creation: SecretCreationOptions
    /// Called once by ``close()`` (shuts the transport down).
    let release: @Sendable () -> Void

    /// `BatchGetSecretValue` takes at most 20 ids.
    static let batchLimit = 20

    package init(
        client: SecretsManagerClient,
        creation: SecretCreationOptions = SecretCreationOptions(),
        release: @escaping @Sendable () -> Void = {}
    ) {
        self.api = SecretsManagerAPI(client: client)
        self.creation = creation
        self.release = release
    }

    /// A backend for `settings` over `transport`, signing with the standard credential chain.
    ///
    /// - Parameters:
    ///   - processEnvironment: the process environment (injected), which the credential chain reads.
    ///   - release: called once by ``close()`` (shuts the transport down).
    package init(
        settings: AWSSettings,
        transport: any HTTPTransport,
        processEnvironment: [String: String],
        release: @escaping @Sendable () -> Void = {}
    ) {
        let credentials = AWSCredentialChain.make(
            settings: settings.credentials,
            processEnvironment: processEnvironment,
            transport: transport
        )
        let client = SecretsManagerClient(
            endpoint: settings.secretsManagerEndpoint,
            region: settings.region,
            credentials: credentials,
            transport: transport,
            policy: RetryPolicy(
                maxRetries: settings.maxAttempts - 1,
                baseDelay: .milliseconds(200),
                maxDelay: .seconds(20),
                budget: .seconds(60)
            )
        )
        self.init(client: client, creation: settings.creation, release: release)
    }

    package func close() async {
        release()
    }

    /// The staging label of a cfg label.
    static func stage(_ label: VersionLabel) -> String {
        switch label {
        case .current: "AWSCURRENT"
        case .previous: "AWSPREVIOUS"
        case .pending: "AWSPENDING"
        }
    }

    /// The cfg labels among a version's staging labels (custom stages are ignored).
    static func labels(_ stages: [String]) -> Set<VersionLabel> {
        Set(VersionLabel.allCases.filter { stages.contains(stage($0)) })
    }

    // MARK: - Reads

    package func fetch(_ request: SecretRequest) async throws(BackendError) -> SecretVersion {
        if request.dynamic {
            throw BackendError(
                .unsupported,
                backend: kind,
                path: request.path,
                message: "Secret '\(request.path)' is marked dynamic, but Secrets Manager has no leased secrets; "
                    + "remove `dynamic: true`."
            )
        }
        var (stage, versionID) = Self.selector(request.version)
        // AWSCURRENT is the default, but named explicitly: moto serves a stale default after a stage move.
        if stage == nil, versionID == nil { stage = Self.stage(.current) }
        let call = api.getSecretValueCall(request.path.rawValue, versionStage: stage, versionID: versionID)
        do {
            let value = try await api.getSecretValue(call)
            return Self.version(value, for: request)
        } catch .service(code: "ResourceNotFoundException", _, _, _) where request.version != .current {
            throw BackendError(
                .notFound,
                backend: kind,
                path: request.path,
                message: "Secret '\(request.path)' has no \(Self.describe(request.version)) in Secrets Manager."
            )
        } catch {
            throw api.error(error, call)
        }
    }

    /// `VersionStage` or `VersionId` for a selector (`AWSCURRENT` is the default and is not sent).
    static func selector(_ version: VersionSelector) -> (stage: String?, versionID: String?) {
        switch version {
        case .label(.current): (nil, nil)
        case .label(let label): (stage(label), nil)
        case .id(let id): (nil, id)
        }
    }

    static func describe(_ version: VersionSelector) -> String {
        switch version {
        case .label(let label): "version labelled \(label.rawValue) (\(stage(label)))"
        case .id(let id): "version \(id)"
        }
    }

    /// A version as cfg sees it, with its delivery reference pinned the way the request was.
    static func version(_ value: SecretValue, for request: SecretRequest) -> SecretVersion {
        let (stage, versionID) = selector(request.version)
        return SecretVersion(
            path: request.path,
            versionID: value.versionID,
            labels: labels(value.versionStages),
            createdAt: value.createdDate,
            payload: value.payload,
            deliveryReference: DeliveryReference(arn: value.arn, versionStage: stage, versionID: versionID)
        )
    }

    /// Current versions in `BatchGetSecretValue` calls of 20, in parallel; everything else one by one.
    package func fetch(_ requests: [SecretRequest]) async -> [SecretRequest: Result<SecretVersion, BackendError>] {
        let distinct = Array(Set(requests)).sorted { $0.path < $1.path }
        let batched = distinct.filter { $0.version == .current && !$0.dynamic }
        var singles = distinct.filter { !($0.version == .current && !$0.dynamic) }
        var results: [SecretRequest: Result<SecretVersion, BackendError>] = [:]
        if batched.count == 1 {
            singles += batched
        } else if !batched.isEmpty {
            let chunks = stride(from: 0, to: batched.count, by: Self.batchLimit).map {
                Array(batched[$0..<min($0 + Self.batchLimit, batched.count)])
            }
            let outcomes = await withTaskGroup(of: (Int, BatchOutcome).self) { group in
                for (index, chunk) in chunks.enumerated() {
                    group.addTask { (index, await self.batchOutcome(chunk)) }
                }
                var outcomes: [(Int, BatchOutcome)] = []
                for await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            for (_, outcome) in outcomes {
                results.merge(outcome.results) { first, _ in first }
                singles += outcome.unanswered
            }
        }
        results.merge(await fetchEach(singles)) { first, _ in first }
        return results
    }

    /// What one batch call settled, and the requests it left for single reads.
    struct BatchOutcome: Sendable {
        var results: [SecretRequest: Result<SecretVersion, BackendError>] = [:]
        var unanswered: [SecretRequest] = []
    }

    /// One `BatchGetSecretValue` call for up to 20 current versions. Requests the answer does not cover, and
    /// all of them when the caller may not use the batch API (its own IAM action), fall back to single reads.
    func batchOutcome(_ chunk: [SecretRequest]) async -> BatchOutcome {
        let ids = chunk.map(\.path.rawValue)
        var outcome = BatchOutcome()
        let answer: (values: [SecretValue], errors: [(secretID: String, code: String)])
        switch await batchResult(ids) {
        case .success(let value):
            answer = value
        case .failure(let failure)
        where ["AccessDeniedException", "UnknownOperationException", "InvalidAction"].contains(failure.serviceCode):
            outcome.unanswered = chunk
            return outcome
        case .failure(let failure):
            let error = api.error(failure, api.batchGetSecretValueCall(ids, nextToken: nil))
            for request in chunk { outcome.results[request] = .failure(error) }
            return outcome
        }
        var byID: [String: SecretValue] = [:]
        for value in answer.values {
            byID[value.name] = value
            byID[value.arn] = value
        }
        var failed: [String: String] = [:]
        for error in answer.errors { failed[error.secretID] = error.code }
        for request in chunk {
            let id = request.path.rawValue
            if let value = byID[id] {
                outcome.results[request] = .success(Self.version(value, for: request))
            } else if let code = failed[id] {
                let failure = SecretsManagerFailure.service(code: code, status: 400, attempts: 1, clockSkew: nil)
                outcome.results[request] = .failure(
                    api.error(failure, api.getSecretValueCall(id, versionStage: nil, versionID: nil))
                )
            } else {
                outcome.unanswered.append(request)
            }
        }
        return outcome
    }

    private func batchResult(
        _ ids: [String]
    ) async -> Result<(values: [SecretValue], errors: [(secretID: String, code: String)]), SecretsManagerFailure> {
        do {
            return .success(try await api.batchGetSecretValue(ids))
        } catch {
            return .failure(error)
        }
    }

    // MARK: - Writes

    /// `expectedCurrent` empty: `CreateSecret` (atomic: a name exists once). A version id: an atomic check-and-set
    /// `PutSecretValue` with a token derived from that id (``storeChecked(_:at:stages:expectedCurrent:)``). Nil: a
    /// `PutSecretValue` with a fresh token, or `CreateSecret` when the secret does not exist yet.
    package func store(
        _ payload: Secret,
        at path: SecretPath,
        labels: Set<VersionLabel>,
        expectedCurrent: String?
    ) async throws(BackendError) -> String {
        guard !labels.isEmpty else {
            throw BackendError(
                .invalidRequest,
                backend: kind,
                path: path,
                message: "A new version of '\(path)' needs a staging label; Secrets Manager may delete unlabelled ones."
            )
        }
        let stages = labels.sorted().map(Self.stage)
        if expectedCurrent == "" {
            return try await create(payload, at: path)
        }
        if let expectedCurrent {
            return try await storeChecked(payload, at: path, stages: stages, expectedCurrent: expectedCurrent)
        }
        let call = api.writeCall(
            "PutSecretValue",
            path.rawValue,
            payload: payload,
            clientRequestToken: Self.newClientRequestToken(),
            versionStages: stages
        )
        let root: SecureJSON.Node
        do {
            root = try await api.sendRaw(call)
        } catch .service(code: "ResourceNotFoundException", _, _, _) {
            return try await create(payload, at: path)
        } catch {
            throw api.error(error, call)
        }
        guard let versionID = root["VersionId"]?.text() else {
            throw api.error(.malformed("PutSecretValue returned no VersionId"), call)
        }
        return versionID
    }

    /// `CreateSecret` with the backend's ``SecretCreationOptions``: the first version becomes `AWSCURRENT`. An
    /// existing secret is a conflict.
    private func create(_ payload: Secret, at path: SecretPath) async throws(BackendError) -> String {
        let call = api.writeCall(
            "CreateSecret",
            path.rawValue,
            payload: payload,
            clientRequestToken: Self.newClientRequestToken(),
            versionStages: nil,
            creation: creation
        )
        let root = try await api.send(call)
        guard let versionID = root["VersionId"]?.text() else {
            throw api.error(.malformed("CreateSecret returned no VersionId"), call)
        }
        return versionID
    }

    /// A fresh `ClientRequestToken` (the new version's id): a UUID, as the SDKs generate. The same token is sent
    /// on every retry of one write, so a retried write cannot make two versions.
    static func newClientRequestToken() -> String {
        UUID().uuidString.lowercased()
    }

    package func moveLabel(_ label: VersionLabel, to versionID: String, at path: SecretPath) async throws(BackendError)
    {
        let stage = Self.stage(label)
        let holder = try await holder(of: stage, at: path)
        guard holder != versionID else { return }
        try await updateStage(stage, at: path, moveTo: versionID, removeFrom: holder)
    }

    package func removeLabel(_ label: VersionLabel, at path: SecretPath) async throws(BackendError) {
        let stage = Self.stage(label)
        guard let holder = try await holder(of: stage, at: path) else { return }
        try await updateStage(stage, at: path, moveTo: nil, removeFrom: holder)
    }

    private func holder(of stage: String, at path: SecretPath) async throws(BackendError) -> String? {
        try await api.describeSecret(path.rawValue).stages.first { $0.value.contains(stage) }?.key
    }

    private func updateStage(
        _ stage: String,
        at path: SecretPath,
        moveTo: String?,
        removeFrom: String?
    ) async throws(BackendError) {
        do {
            try await api.updateSecretVersionStage(path.rawValue, stage: stage, moveTo: moveTo, removeFrom: removeFrom)
        } catch {
            let call = api.simpleCall("UpdateSecretVersionStage", path.rawValue)
            throw api.error(error, call)
        }
    }

    // MARK: - Metadata

    /// `DescribeSecret` first: its `VersionIdsToStages` is the authoritative label map, and it reports a missing
    /// secret cleanly (moto answers `ListSecretVersionIds` for one with HTTP 500). Then `ListSecretVersionIds`
    /// (with deprecated versions) for the creation dates.
    package func fetchMetadata(_ path: SecretPath) async throws(BackendError) -> SecretMetadata {
        let stages = try await api.describeSecret(path.rawValue).stages
        let entries = try await api.listSecretVersionIDs(path.rawValue)
        // Stable: versions created in the same instant keep the service's order.
        let ordered = entries.enumerated().sorted {
            $0.element.createdDate == $1.element.createdDate
                ? $0.offset < $1.offset : $0.element.createdDate < $1.element.createdDate
        }
        return SecretMetadata(
            path: path,
            versions: ordered.map {
                SecretMetadata.Version(
                    versionID: $0.element.versionID,
                    labels: Self.labels(stages[$0.element.versionID] ?? $0.element.versionStages),
                    createdAt: $0.element.createdDate
                )
            }
        )
    }
}
