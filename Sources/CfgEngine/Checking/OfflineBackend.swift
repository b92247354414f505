import CfgBackend
import CfgSecure

/// The backend of `cfg check`: it holds nothing and reaches nothing. `cfg check` withholds every secret, so the
/// pipeline never calls it; were it called, every call fails as `.unsupported` without any I/O.
struct OfflineBackend: SecretBackend {
    var kind: String { "offline" }

    private func refusal(_ path: SecretPath?) -> BackendError {
        BackendError(.unsupported, backend: kind, path: path, message: "cfg check reads no secret.")
    }

    func fetch(_ request: SecretRequest) async throws(BackendError) -> SecretVersion {
        throw refusal(request.path)
    }

    func store(
        _ payload: Secret,
        at path: SecretPath,
        labels: Set<VersionLabel>,
        expectedCurrent: String?
    ) async throws(BackendError) -> String {
        throw refusal(path)
    }

    func moveLabel(_ label: VersionLabel, to versionID: String, at path: SecretPath) async throws(BackendError) {
        throw refusal(path)
    }

    func removeLabel(_ label: VersionLabel, at path: SecretPath) async throws(BackendError) {
        throw refusal(path)
    }

    func fetchMetadata(_ path: SecretPath) async throws(BackendError) -> SecretMetadata {
        throw refusal(path)
    }
}
