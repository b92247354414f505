import CfgBackend
import CfgRotation
import CfgSecure

/// A backend that passes every call to another one and reports each write of one lock record to a ``LockLedger`` (a
/// release when it is sent, a hold when it succeeded): how the race tests see whether two runners ever held the lock
/// at once.
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
        // A release is noted as it is sent, a hold once the server took it: the server orders a release before the
        // acquisition that follows it, but the two runners' answers can reach the ledger the other way round on a
        // loaded machine, which looked like two holders at once.
        let record = path == lockPath ? RotationLockRecord(parsing: payload) : nil
        if let record, record.released { ledger.recordWrite(record) }
        let versionID = try await inner.store(payload, at: path, labels: labels, expectedCurrent: expectedCurrent)
        if let record, !record.released { ledger.recordWrite(record) }
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
