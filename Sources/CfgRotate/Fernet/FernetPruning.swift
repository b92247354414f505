import CfgBackend
import CfgConfig
import CfgRotation
import CfgSecure

/// Drops Fernet keys beyond the policy's `keep`, only after the user's `confirm` command exited 0 while the newest key
/// was current (for example a command that runs `airflow rotate-fernet-key`, which re-encrypts every stored value
/// with the first key).
///
/// Runs after a policy's rotation, when no rotation is in progress. The pruned list is stored as a new current version
/// with check-and-set on the version that was read, so a rotation that promoted in between makes the prune wait for
/// the next run instead of undoing it.
enum FernetPruning {
    /// What happened, as a note for the report (nil: nothing to say).
    static func run(
        _ item: PlannedRotation,
        backend: any SecretBackend,
        confirm: (@Sendable () async -> (succeeded: Bool, detail: String))?
    ) async -> String? {
        guard item.policy.generator == .fernet else { return nil }
        let keep = item.policy.keep
        do {
            let metadata = try await backend.fetchMetadata(item.path)
            guard metadata.version(labelled: .pending) == nil else { return nil }
            let current = try await backend.fetch(SecretRequest(path: item.path))
            let list = try keyList(of: current.payload, key: item.key)
            let count = try FernetKeyList.keyCount(of: list)
            guard count > keep else { return nil }
            guard let confirm else {
                return "the Fernet key list holds \(count) keys (keep: \(keep)); nothing is dropped without a "
                    + "'confirm' command (one that runs airflow rotate-fernet-key after the new key is current)"
            }
            let answer = await confirm()
            guard answer.succeeded else {
                return "kept all \(count) Fernet keys: the confirm command \(answer.detail)"
            }
            let pruned = try FernetKeyList.pruned(list, keep: keep)
            let payload: Secret =
                if let key = item.key {
                    try PendingValue.replacing(key, in: current.payload, roles: nil) { _ in pruned.value }
                } else {
                    pruned.value
                }
            let versionID = try await backend.store(
                payload,
                at: item.path,
                labels: [.current],
                expectedCurrent: current.versionID
            )
            return "confirmed: dropped \(pruned.dropped) old Fernet key(s); version \(versionID) is current"
        } catch let error as BackendError {
            return "the Fernet key list was not pruned: \(error.description)"
        } catch let error as RotationError {
            return "the Fernet key list was not pruned: \(error.description)"
        } catch {
            return "the Fernet key list was not pruned (\(type(of: error)))"
        }
    }

    /// The stored key list: the policy's key of a JSON secret, or the whole secret.
    private static func keyList(of payload: Secret, key: String?) throws -> Secret {
        guard let key else { return payload }
        let document = try SecureJSON(parsing: payload)
        guard let value = document.root.at(key)?.secretString() else {
            throw PendingValueError("the current value has no string '\(key)'")
        }
        return value
    }
}
