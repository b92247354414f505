import CfgBackend
import CfgHTTP
import CfgSecure
import FoundationEssentials

/// KV version 1: one unversioned value per path (`GET|POST MOUNT/PATH`).
///
/// It has no versions, labels or check-and-set: the value is reported as version `1`, labelled `current`;
/// storing under another label, moving labels and pinned versions other than `1` are `.unsupported`. A
/// "must not exist" check (`expectedCurrent: ""`) is a read before the write, not atomic.
struct KVv1Engine: KVEngine {
    var api: VaultAPI
    var mount: String

    static let versionID = "1"

    func fetch(_ request: SecretRequest) async throws(BackendError) -> SecretVersion {
        let call = readCall(request.path)
        switch request.version {
        case .label(.current), .id(Self.versionID):
            break
        case .label, .id:
            throw .vaultVersionMissing(call, version: "\(request.version) (KV version 1 keeps one value per path)")
        }
        guard let data = try await read(call) else { throw .vaultNotFound(call) }
        return SecretVersion(
            path: request.path,
            versionID: Self.versionID,
            labels: [.current],
            createdAt: Date(timeIntervalSince1970: 0),
            payload: try VaultPayload.payload(from: data, call: call)
        )
    }

    func store(
        _ payload: Secret,
        at path: SecretPath,
        labels: Set<VersionLabel>,
        expectedCurrent: String?
    ) async throws(BackendError) -> String {
        guard labels == [.current] else {
            throw .vaultUnsupported(path, "KV version 1 keeps one value per path: it cannot store a pending version.")
        }
        if let expectedCurrent {
            let exists = try await read(readCall(path)) != nil
            switch (expectedCurrent, exists) {
            case ("", false), (Self.versionID, true): break
            default: throw .vaultConflict(at: path, expected: expectedCurrent, actual: exists ? Self.versionID : nil)
            }
        }
        let call = VaultCall(
            method: .post,
            apiPath: VaultPath.join(mount, path.rawValue),
            body: VaultPayload.dataObject(for: payload),
            action: "write of secret '\(path)'",
            secretPath: path
        )
        _ = try await api.send(call)
        return Self.versionID
    }

    func moveLabel(_ label: VersionLabel, to versionID: String, at path: SecretPath) async throws(BackendError) {
        throw .vaultUnsupported(path, "KV version 1 has no versions, so labels cannot move (secret '\(path)').")
    }

    func removeLabel(_ label: VersionLabel, at path: SecretPath) async throws(BackendError) {
        guard label == .current else { return }
        throw .vaultUnsupported(path, "KV version 1 has no versions, so labels cannot move (secret '\(path)').")
    }

    func fetchMetadata(_ path: SecretPath) async throws(BackendError) -> SecretMetadata {
        let call = readCall(path)
        guard try await read(call) != nil else { throw .vaultNotFound(call) }
        let version = SecretMetadata.Version(
            versionID: Self.versionID,
            labels: [.current],
            createdAt: Date(timeIntervalSince1970: 0)
        )
        return SecretMetadata(path: path, versions: [version])
    }

    private func readCall(_ path: SecretPath) -> VaultCall {
        VaultCall(
            method: .get,
            apiPath: VaultPath.join(mount, path.rawValue),
            action: "read of secret '\(path)'",
            secretPath: path,
            accepted: [404]
        )
    }

    /// The `data` object, or nil when nothing is stored there.
    private func read(_ call: VaultCall) async throws(BackendError) -> SecureJSON.Node? {
        let answer = try await api.send(call)
        if answer.status == 404 { return nil }
        guard let data = try answer.json(call)?.root["data"], data.kind == .object else {
            throw .vaultMalformedAnswer(call, detail: "no data")
        }
        return data
    }
}
