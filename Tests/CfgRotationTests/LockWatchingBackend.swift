import CfgBackend
import CfgRotation
import CfgSecure

/// A backend that passes every call to another one and reports each successful write of one lock record to a
/// ``LockLedger``: how the race tests see whether two runners ever held the lock at once.
struct LockWatchingBackend: SecretBackend {
    let inner: any SecretBackend
    let lockPath: SecretPath
    let ledger: LockLedger

    var kind: String { inner.kind }

    func fetch(_ request: SecretRequest) async throws(BackendError) -> SecretVersion {
        try await inner.fetch(request)
    }

    func fetch(_ requests: [SecretRequest]) async -> [SecretRequest: Result<SecretVersion, BackendError>] {
        await inner.fetch(requests)
    }

    func store(
        _ payload: Secret,
        at path: SecretPath,
        labels: Set<VersionLabel>,
        expectedCurrent: String?
    ) async throws(BackendError) -> String {
        let versionID = try await inner.store(payload, at: path, labels: labels, expectedCurrent: expectedCurrent)
        if path == lockPath, let record = RotationLockRecord(parsing: payload) {
            ledger.recordWrite(record)
        }
        return versionID
    }

    func moveLabel(_ label: VersionLabel, to versionID: String, at path: SecretPath) async throws(BackendError) {
        try await inner.moveLabel(label, to: versionID, at: path)
    }

    func removeLabel(_ label: VersionLabel, at path: SecretPath) async throws(BackendError) {
        try await inner.removeLabel(label, at: path)
    }

    func fetchMetadata(_ path: SecretPath) async throws(BackendError) -> SecretMetadata {
        try await inner.fetchMetadata(path)
    }

    func close() async {
        await inner.close()
    }
}
