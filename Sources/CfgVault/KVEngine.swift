import CfgBackend
import CfgSecure
import FoundationEssentials

/// One KV secrets-engine version's way of doing the backend's operations on a mount.
protocol KVEngine: Sendable {
    func fetch(_ request: SecretRequest) async throws(BackendError) -> SecretVersion
    func store(
        _ payload: Secret,
        at path: SecretPath,
        labels: Set<VersionLabel>,
        expectedCurrent: String?
    ) async throws(BackendError) -> String
    func moveLabel(_ label: VersionLabel, to versionID: String, at path: SecretPath) async throws(BackendError)
    func removeLabel(_ label: VersionLabel, at path: SecretPath) async throws(BackendError)
    func fetchMetadata(_ path: SecretPath) async throws(BackendError) -> SecretMetadata
}

/// Vault's timestamps (`2026-11-21T15:47:36.28413625Z`, RFC 3339 in UTC with up to nine fraction digits).
enum VaultTime {
    static func parse(_ text: String?) -> Date? {
        guard let text, text.hasSuffix("Z") else { return nil }
        return Timestamp.rfc3339(text)
    }
}
