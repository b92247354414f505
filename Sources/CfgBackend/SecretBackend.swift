package import CfgSecure
package import FoundationEssentials

/// A secret's path or name in a backend (`airflow/prod/db`).
package struct SecretPath: Hashable, Sendable, CustomStringConvertible, Comparable {
    package var rawValue: String

    package init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    package var description: String { rawValue }

    package static func < (lhs: SecretPath, rhs: SecretPath) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The labels a version can carry, as staged rotation needs them (Secrets Manager's AWSCURRENT, AWSPREVIOUS,
/// AWSPENDING).
package enum VersionLabel: String, Hashable, Sendable, CaseIterable, Comparable {
    case current
    case previous
    case pending

    package static func < (lhs: VersionLabel, rhs: VersionLabel) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}

/// Which version of a secret to read.
package enum VersionSelector: Hashable, Sendable, CustomStringConvertible {
    case label(VersionLabel)
    /// A backend-specific version identifier (a number for the local store and Vault KV v2, a UUID for AWS).
    case id(String)

    package static let current = VersionSelector.label(.current)

    package var description: String {
        switch self {
        case .label(let label): label.rawValue
        case .id(let id): "version \(id)"
        }
    }
}

/// One read: a path and a version, or a leased endpoint.
package struct SecretRequest: Hashable, Sendable, CustomStringConvertible {
    package var path: SecretPath
    package var version: VersionSelector
    /// A leased endpoint (Vault `database/creds/ROLE`), read as it is: every read issues new credentials with a
    /// lease. Backends without leases fail with `.unsupported`.
    package var dynamic: Bool

    package init(path: SecretPath, version: VersionSelector = .current, dynamic: Bool = false) {
        self.path = path
        self.version = version
        self.dynamic = dynamic
    }

    package var description: String {
        if dynamic { return "\(path.rawValue) (dynamic)" }
        return version == .current ? path.rawValue : "\(path.rawValue) (\(version))"
    }
}

/// The lease of a dynamic secret: what a supervisor needs to renew or revoke it. Not secret (an identifier), but
/// useless without the token that holds it.
package struct SecretLease: Sendable, Hashable {
    package var id: String
    /// The lease's time to live when it was issued or last renewed.
    package var duration: Duration
    package var renewable: Bool
    /// When the backend issued or last renewed it.
    package var issuedAt: Date

    package init(id: String, duration: Duration, renewable: Bool, issuedAt: Date) {
        self.id = id
        self.duration = duration
        self.renewable = renewable
        self.issuedAt = issuedAt
    }

    /// When the lease ends unless renewed.
    package var expiresAt: Date { issuedAt.addingTimeInterval(TimeInterval(duration.components.seconds)) }
}

/// One version of a secret as read from a backend.
package struct SecretVersion: Sendable {
    package var path: SecretPath
    package var versionID: String
    package var labels: Set<VersionLabel>
    package var createdAt: Date
    /// The secret's bytes: a JSON object for structured secrets, or any text.
    package var payload: Secret
    /// A reference the platform can resolve itself (an AWS ARN for ECS `valueFrom`); nil when there is none.
    package var deliveryReference: DeliveryReference?
    /// The lease of a dynamic secret; nil for stored secrets.
    package var lease: SecretLease?

    package init(
        path: SecretPath,
        versionID: String,
        labels: Set<VersionLabel>,
        createdAt: Date,
        payload: Secret,
        deliveryReference: DeliveryReference? = nil,
        lease: SecretLease? = nil
    ) {
        self.path = path
        self.versionID = versionID
        self.labels = labels
        self.createdAt = createdAt
        self.payload = payload
        self.deliveryReference = deliveryReference
        self.lease = lease
    }
}

/// What a backend knows about a secret's versions, without reading a value.
package struct SecretMetadata: Sendable, Hashable {
    package struct Version: Sendable, Hashable {
        package var versionID: String
        package var labels: Set<VersionLabel>
        package var createdAt: Date

        package init(versionID: String, labels: Set<VersionLabel>, createdAt: Date) {
            self.versionID = versionID
            self.labels = labels
            self.createdAt = createdAt
        }
    }

    package var path: SecretPath
    /// Oldest first.
    package var versions: [Version]

    package init(path: SecretPath, versions: [Version]) {
        self.path = path
        self.versions = versions
    }

    /// The version carrying a label, if any.
    package func version(labelled label: VersionLabel) -> Version? {
        versions.first { $0.labels.contains(label) }
    }
}

/// A source of secrets: the local store, Vault/OpenBao, AWS Secrets Manager.
///
/// Every backend passes the conformance suite in `CfgTestSupport`. Errors name paths, never values.
package protocol SecretBackend: Sendable {
    /// The `type:` word of the environment file (`local`, `vault`, `aws`).
    var kind: String { get }

    /// Reads one version of one secret.
    func fetch(_ request: SecretRequest) async throws(BackendError) -> SecretVersion

    /// Reads many secrets; one result per distinct request. Backends may batch.
    func fetch(_ requests: [SecretRequest]) async -> [SecretRequest: Result<SecretVersion, BackendError>]

    /// Writes a new version and attaches `labels` to it (moving them from wherever they were; moving `current`
    /// moves `previous` to the version that was current). Returns the new version's id.
    ///
    /// - Parameter expectedCurrent: check-and-set: fail with `.conflict` unless the current version is this one
    ///   (`nil` = no check; an empty string = the secret must not exist yet).
    func store(
        _ payload: Secret,
        at path: SecretPath,
        labels: Set<VersionLabel>,
        expectedCurrent: String?
    ) async throws(BackendError) -> String

    /// Moves a label to an existing version (removing it from the version that had it). Moving `current` moves
    /// `previous` to the version that was current.
    func moveLabel(_ label: VersionLabel, to versionID: String, at path: SecretPath) async throws(BackendError)

    /// Removes a label from whichever version has it (no-op when none has it).
    func removeLabel(_ label: VersionLabel, at path: SecretPath) async throws(BackendError)

    /// Reads a secret's versions and labels.
    func fetchMetadata(_ path: SecretPath) async throws(BackendError) -> SecretMetadata

    /// Ends the backend's session: revokes a token it created, stops renewals. Called once at the end of a run.
    func close() async
}

/// A backend whose dynamic secrets carry leases that can be renewed and revoked (Vault).
package protocol LeasingBackend: SecretBackend {
    /// Extends a lease by `increment` (the backend may grant less); returns the lease as renewed.
    func renew(_ lease: SecretLease, increment: Duration) async throws(BackendError) -> SecretLease

    /// Revokes a lease now: the credentials stop working.
    func revoke(_ lease: SecretLease) async throws(BackendError)

    /// Renews the backend's own session now (a Vault token), for a supervisor that outlives it.
    ///
    /// - Returns: when to renew it next; nil when it does not expire or cannot be renewed.
    func renewSession() async throws(BackendError) -> Date?
}

extension SecretBackend {
    /// Nothing to end by default.
    package func close() async {}

    /// Default batch read: the distinct requests in parallel, at most ``parallelReads`` at once.
    package func fetch(_ requests: [SecretRequest]) async -> [SecretRequest: Result<SecretVersion, BackendError>] {
        await fetchEach(Array(Set(requests)))
    }

    /// How many reads ``fetchEach(_:)`` runs at once: as many as the HTTP client keeps connections to one host.
    /// More would only wait for a connection, each holding its task's frames and a transfer's buffers meanwhile,
    /// which made a render's memory grow by tens of KiB per secret.
    package static var parallelReads: Int { 16 }

    /// Reads each request with ``fetch(_:)-(SecretRequest)``, at most ``parallelReads`` at once; a new read starts
    /// as one finishes.
    ///
    /// Child tasks return an index and a `Result` built by a separate function: a typed-throws `do` block inside
    /// the child-task closure is miscompiled by Swift 6.3.1 in release builds (the group's results come back
    /// corrupted), which this shape avoids.
    package func fetchEach(
        _ requests: [SecretRequest]
    ) async -> [SecretRequest: Result<SecretVersion, BackendError>] {
        guard !requests.isEmpty else { return [:] }
        return await withTaskGroup(of: (Int, Result<SecretVersion, BackendError>).self) { group in
            var next = 0
            var results: [SecretRequest: Result<SecretVersion, BackendError>] = [:]
            results.reserveCapacity(requests.count)
            while next < min(Self.parallelReads, requests.count) {
                let index = next
                group.addTask { (index, await self.result(of: requests[index])) }
                next += 1
            }
            for await (index, result) in group {
                results[requests[index]] = result
                if next < requests.count {
                    let index = next
                    group.addTask { (index, await self.result(of: requests[index])) }
                    next += 1
                }
            }
            return results
        }
    }

    /// One read as a `Result`.
    package func result(of request: SecretRequest) async -> Result<SecretVersion, BackendError> {
        do {
            return .success(try await fetch(request))
        } catch {
            return .failure(error)
        }
    }
}
