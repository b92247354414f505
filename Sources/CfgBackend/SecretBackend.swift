package import CfgSecure
package import Foundation

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

/// One read: a path and a version.
package struct SecretRequest: Hashable, Sendable, CustomStringConvertible {
    package var path: SecretPath
    package var version: VersionSelector

    package init(path: SecretPath, version: VersionSelector = .current) {
        self.path = path
        self.version = version
    }

    package var description: String {
        version == .current ? path.rawValue : "\(path.rawValue) (\(version))"
    }
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
    package var deliveryReference: String?

    package init(
        path: SecretPath,
        versionID: String,
        labels: Set<VersionLabel>,
        createdAt: Date,
        payload: Secret,
        deliveryReference: String? = nil
    ) {
        self.path = path
        self.versionID = versionID
        self.labels = labels
        self.createdAt = createdAt
        self.payload = payload
        self.deliveryReference = deliveryReference
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
}

extension SecretBackend {
    /// Default batch read: the distinct requests in parallel.
    package func fetch(_ requests: [SecretRequest]) async -> [SecretRequest: Result<SecretVersion, BackendError>] {
        await withTaskGroup(of: (SecretRequest, Result<SecretVersion, BackendError>).self) { group in
            for request in Set(requests) {
                group.addTask {
                    do throws(BackendError) {
                        return (request, .success(try await self.fetch(request)))
                    } catch {
                        return (request, .failure(error))
                    }
                }
            }
            var results: [SecretRequest: Result<SecretVersion, BackendError>] = [:]
            for await (request, result) in group {
                results[request] = result
            }
            return results
        }
    }
}
