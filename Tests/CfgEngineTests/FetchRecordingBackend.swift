import CfgBackend
import CfgSecure
import Synchronization

/// A backend that passes every call to another one and records the path of every secret fetched: how the tests see
/// what `cfg exec` read.
struct FetchRecordingBackend: SecretBackend {
    /// The paths fetched, in order (shared by copies of the backend).
    final class Record: Sendable {
        private let paths = Mutex<[String]>([])

        var fetched: [String] { paths.withLock { $0 } }

        func add(_ new: [String]) { paths.withLock { $0 += new } }
    }

    let inner: any SecretBackend
    let record = Record()

    var kind: String { inner.kind }

    func fetch(_ request: SecretRequest) async throws(BackendError) -> SecretVersion {
        record.add([request.path.rawValue])
        return try await inner.fetch(request)
    }

    func fetch(_ requests: [SecretRequest]) async -> [SecretRequest: Result<SecretVersion, BackendError>] {
        record.add(requests.map(\.path.rawValue))
        return await inner.fetch(requests)
    }

    func store(
        _ payload: Secret,
        at path: SecretPath,
        labels: Set<VersionLabel>,
        expectedCurrent: String?
    ) async throws(BackendError) -> String {
        try await inner.store(payload, at: path, labels: labels, expectedCurrent: expectedCurrent)
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
