import CfgBackend
import FoundationEssentials

/// The decrypted content of a local store file, and the pure operations on it.
///
/// The plaintext is JSON:
/// `{"format":1,"environment":"prod","secrets":{"airflow/prod/db":{"versions":[{"id":"1",
/// "created":"2026-11-21T15:00:00Z","value":"<base64>"}],"labels":{"current":"1"}}}}`.
///
/// Version ids are increasing integers (as strings) per path. At most ``maximumVersions`` versions are kept per
/// path; the oldest unlabelled ones are dropped first and a labelled version is never dropped.
///
/// Note: `value` holds a secret as a base64 Swift `String`. JSON parsing and encoding make Swift copies
/// (`String`, `Data`) that cannot be zeroed; the store keeps them as short-lived as it can and hands payloads
/// out only as ``Secret``.
struct LocalStoreDocument: Codable, Sendable, Equatable {
    /// The plaintext format this code reads and writes.
    static let currentFormat = 1
    /// How many versions a path keeps (labelled versions are kept in addition when needed).
    static let maximumVersions = 20

    /// One stored version.
    struct StoredVersion: Codable, Sendable, Equatable {
        var id: String
        var created: Date
        /// The payload, base64 (standard alphabet). A `String` that cannot be zeroed; see the type's note.
        var value: String
    }

    /// One secret: its versions, oldest first, and its labels (label name → version id).
    struct Entry: Codable, Sendable, Equatable {
        var versions: [StoredVersion]
        var labels: [String: String]

        /// The labels as the shared state machine sees them (unknown label names in a file are dropped).
        var versionLabels: VersionLabels {
            get {
                VersionLabels(
                    Dictionary(
                        uniqueKeysWithValues: labels.compactMap { name, id in
                            VersionLabel(rawValue: name).map { ($0, id) }
                        }
                    )
                )
            }
            set {
                labels = Dictionary(uniqueKeysWithValues: newValue.assignments.map { ($0.key.rawValue, $0.value) })
            }
        }

        /// The labels carried by a version.
        func labels(of versionID: String) -> Set<VersionLabel> { versionLabels.labels(of: versionID) }

        /// The id of the version carrying a label.
        func versionID(labelled label: VersionLabel) -> String? { versionLabels.version(labelled: label) }
    }

    var format: Int
    var environment: String
    var secrets: [String: Entry]

    /// An empty store for an environment.
    init(environment: String) {
        self.format = Self.currentFormat
        self.environment = environment
        self.secrets = [:]
    }

    // MARK: - Reads

    /// The version a selector designates, with its labels.
    func version(
        at path: SecretPath,
        _ selector: VersionSelector
    ) throws(BackendError) -> (version: StoredVersion, labels: Set<VersionLabel>) {
        let entry = try entry(at: path)
        let versionID: String
        switch selector {
        case .label(let label):
            guard let id = entry.versionID(labelled: label) else {
                throw .localLabelMissing(label, at: path)
            }
            versionID = id
        case .id(let id):
            versionID = id
        }
        guard let version = entry.versions.first(where: { $0.id == versionID }) else {
            throw .localVersionMissing(versionID, at: path)
        }
        return (version, entry.labels(of: versionID))
    }

    /// A secret's versions, oldest first, with their labels.
    func metadata(at path: SecretPath) throws(BackendError) -> SecretMetadata {
        let entry = try entry(at: path)
        return SecretMetadata(
            path: path,
            versions: entry.versions.map { version in
                SecretMetadata.Version(
                    versionID: version.id,
                    labels: entry.labels(of: version.id),
                    createdAt: version.created
                )
            }
        )
    }

    private func entry(at path: SecretPath) throws(BackendError) -> Entry {
        guard !path.rawValue.isEmpty else { throw .localInvalidPath(path) }
        guard let entry = secrets[path.rawValue], !entry.versions.isEmpty else {
            throw .localSecretMissing(path)
        }
        return entry
    }

    // MARK: - Writes

    /// Appends a version and attaches `labels` to it.
    ///
    /// - Parameters:
    ///   - encodedValue: the payload, base64.
    ///   - expectedCurrent: `nil` = no check; `""` = the path must have no version; otherwise the id of the
    ///     current version.
    ///   - now: the creation time (whole seconds are kept).
    /// - Returns: the new version's id.
    /// - Throws: `.conflict` when the check-and-set precondition does not hold.
    mutating func store(
        _ encodedValue: String,
        at path: SecretPath,
        labels: Set<VersionLabel>,
        expectedCurrent: String?,
        now: Date
    ) throws(BackendError) -> String {
        guard !path.rawValue.isEmpty else { throw .localInvalidPath(path) }
        var entry = secrets[path.rawValue] ?? Entry(versions: [], labels: [:])
        let current = entry.versionID(labelled: .current)
        if let expectedCurrent {
            if expectedCurrent.isEmpty {
                guard entry.versions.isEmpty else {
                    throw .localConflict(at: path, expected: expectedCurrent, actual: current)
                }
            } else if current != expectedCurrent {
                throw .localConflict(at: path, expected: expectedCurrent, actual: current)
            }
        }
        let newID = String((entry.versions.compactMap { Int($0.id) }.max() ?? 0) + 1)
        let created = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        entry.versions.append(StoredVersion(id: newID, created: created, value: encodedValue))
        entry.versionLabels.attach(labels, to: newID)
        Self.prune(&entry)
        secrets[path.rawValue] = entry
        return newID
    }

    /// Moves a label to an existing version; moving `current` moves `previous` to the old current version.
    mutating func moveLabel(_ label: VersionLabel, to versionID: String, at path: SecretPath) throws(BackendError) {
        var entry = try entry(at: path)
        guard entry.versions.contains(where: { $0.id == versionID }) else {
            throw .localVersionMissing(versionID, at: path)
        }
        entry.versionLabels.attach([label], to: versionID)
        secrets[path.rawValue] = entry
    }

    /// Removes a label from whichever version carries it (no-op when none does).
    mutating func removeLabel(_ label: VersionLabel, at path: SecretPath) throws(BackendError) {
        var entry = try entry(at: path)
        entry.versionLabels.remove(label)
        secrets[path.rawValue] = entry
    }

    /// Drops the oldest unlabelled versions beyond ``maximumVersions``.
    private static func prune(_ entry: inout Entry) {
        let labelled = Set(entry.labels.values)
        var excess = entry.versions.count - maximumVersions
        guard excess > 0 else { return }
        var kept: [StoredVersion] = []
        kept.reserveCapacity(maximumVersions)
        for version in entry.versions {
            if excess > 0, !labelled.contains(version.id) {
                excess -= 1
            } else {
                kept.append(version)
            }
        }
        entry.versions = kept
    }
}
