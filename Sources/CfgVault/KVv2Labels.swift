import CfgBackend

/// Where cfg keeps version labels for a KV v2 secret: in its custom metadata, valid for one latest version.
///
/// Without cfg's keys (a secret only ever written with `vault kv put`), the latest version is `current` and the
/// one before it `previous`. cfg writes its keys only when the labels differ from that (a `pending` version
/// during a rotation, a rollback), together with `cfg-labels-at`, the latest version at that moment. A version
/// written later by another tool makes the keys stale, and the default applies again: what was written last is
/// current. Pure, so it is tested without a server.
enum KVv2Labels {
    static let keys: [VersionLabel: String] = [
        .current: "cfg-current", .previous: "cfg-previous", .pending: "cfg-pending",
    ]
    static let latestKey = "cfg-labels-at"

    /// The labels for a secret whose latest version is `latest`, given its custom metadata.
    static func labels(latest: Int, custom: [String: String]) -> VersionLabels {
        guard custom[latestKey] == String(latest) else { return defaultLabels(latest: latest) }
        var assignments: [VersionLabel: String] = [:]
        for (label, key) in keys {
            if let value = custom[key], let version = Int(value), version > 0 { assignments[label] = String(version) }
        }
        return VersionLabels(assignments)
    }

    /// The labels implied by the versions alone.
    static func defaultLabels(latest: Int) -> VersionLabels {
        var assignments: [VersionLabel: String] = [:]
        if latest > 0 { assignments[.current] = String(latest) }
        if latest > 1 { assignments[.previous] = String(latest - 1) }
        return VersionLabels(assignments)
    }

    /// The custom metadata that records `labels` (other keys kept); cfg's keys are left out when the default says
    /// the same.
    static func customMetadata(
        recording labels: VersionLabels,
        latest: Int,
        keeping custom: [String: String]
    ) -> [String: String] {
        var result = custom.filter { key, _ in key != latestKey && !keys.values.contains(key) }
        guard labels != defaultLabels(latest: latest) else { return result }
        for (label, key) in keys {
            if let version = labels.version(labelled: label) { result[key] = version }
        }
        result[latestKey] = String(latest)
        return result
    }
}
