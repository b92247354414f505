import CfgBackend
import CfgHTTP
import CfgSecure
import FoundationEssentials

/// KV version 2: versioned secrets under `MOUNT/data/…` and `MOUNT/metadata/…`, labels in custom metadata
/// (``KVv2Labels``), check-and-set on writes.
///
/// Reading `current` costs one request (the latest version carries the custom metadata that says whether it is
/// current); a second one only while a rotation has a newer `pending` version.
struct KVv2Engine: KVEngine {
    var api: VaultAPI
    var mount: String

    /// One version as read from `data/`.
    struct Read {
        var version: Int
        var created: Date
        var custom: [String: String]
        /// Nil when the version was deleted or destroyed.
        var data: SecureJSON.Node?
    }

    /// What `metadata/` says.
    struct Metadata {
        var latest: Int
        var custom: [String: String]
        /// Version → (created, readable).
        var versions: [Int: (created: Date, live: Bool)]
    }

    // MARK: - Operations

    func fetch(_ request: SecretRequest) async throws(BackendError) -> SecretVersion {
        let path = request.path
        switch request.version {
        case .label(let label):
            guard let latest = try await read(path, version: nil) else {
                throw .vaultNotFound(readCall(path, version: nil))
            }
            let labels = KVv2Labels.labels(latest: latest.version, custom: latest.custom)
            guard let id = labels.version(labelled: label), let number = Int(id) else {
                throw .vaultVersionMissing(readCall(path, version: nil), version: "version labelled \(label.rawValue)")
            }
            let target = number == latest.version ? latest : try await read(path, version: number)
            return try version(target, path: path, labels: labels, wanted: "version labelled \(label.rawValue)")
        case .id(let id):
            guard let number = Int(id), number > 0 else {
                throw BackendError(
                    .invalidRequest,
                    backend: BackendError.vaultKind,
                    path: path,
                    message: "Vault KV v2 versions are positive numbers; '\(id)' is not one (secret '\(path)')."
                )
            }
            guard let metadata = try await readMetadata(path) else {
                throw .vaultNotFound(readCall(path, version: nil))
            }
            let labels = KVv2Labels.labels(latest: metadata.latest, custom: metadata.custom)
            return try version(
                try await read(path, version: number),
                path: path,
                labels: labels,
                wanted: "version \(id)"
            )
        }
    }

    func store(
        _ payload: Secret,
        at path: SecretPath,
        labels: Set<VersionLabel>,
        expectedCurrent: String?
    ) async throws(BackendError) -> String {
        let metadata = try await readMetadata(path)
        let latest = metadata?.latest ?? 0
        let custom = metadata?.custom ?? [:]
        var state = KVv2Labels.labels(latest: latest, custom: custom)
        if let expectedCurrent {
            let current = latest == 0 ? nil : state.version(labelled: .current)
            let matches = expectedCurrent.isEmpty ? (metadata == nil || latest == 0) : current == expectedCurrent
            guard matches else { throw .vaultConflict(at: path, expected: expectedCurrent, actual: current) }
        }

        let writer = SecureJSONWriter()
        writer.beginObject()
        writer.key("options")
        writer.beginObject()
        writer.key("cas")
        writer.number(latest)
        writer.endObject()
        writer.key("data")
        do {
            try writer.raw(VaultPayload.dataObject(for: payload))
        } catch {
            throw .vaultPayloadNotStorable(path)
        }
        writer.endObject()
        let call = VaultCall(
            method: .post,
            apiPath: VaultPath.join(mount, "data", path.rawValue),
            body: writer.finish(),
            action: "write of secret '\(path)'",
            secretPath: path
        )
        let answer = try await api.send(call)
        guard let version = try answer.json(call)?.root.at("data", "version")?.int() else {
            throw .vaultMalformedAnswer(call, detail: "no data.version")
        }
        state.attach(labels, to: String(version))
        try await record(state, latest: version, previous: custom, at: path)
        return String(version)
    }

    func moveLabel(_ label: VersionLabel, to versionID: String, at path: SecretPath) async throws(BackendError) {
        let metadata = try await requireMetadata(path)
        guard let number = Int(versionID), metadata.versions[number]?.live == true else {
            throw .vaultVersionMissing(metadataCall(path), version: "version \(versionID)")
        }
        var state = KVv2Labels.labels(latest: metadata.latest, custom: metadata.custom)
        state.attach([label], to: String(number))
        try await record(state, latest: metadata.latest, previous: metadata.custom, at: path)
    }

    func removeLabel(_ label: VersionLabel, at path: SecretPath) async throws(BackendError) {
        let metadata = try await requireMetadata(path)
        var state = KVv2Labels.labels(latest: metadata.latest, custom: metadata.custom)
        guard state.version(labelled: label) != nil else { return }
        state.remove(label)
        try await record(state, latest: metadata.latest, previous: metadata.custom, at: path)
    }

    func fetchMetadata(_ path: SecretPath) async throws(BackendError) -> SecretMetadata {
        let metadata = try await requireMetadata(path)
        let labels = KVv2Labels.labels(latest: metadata.latest, custom: metadata.custom)
        let versions = metadata.versions.filter { $0.value.live }.sorted { $0.key < $1.key }.map { number, entry in
            SecretMetadata.Version(
                versionID: String(number),
                labels: labels.labels(of: String(number)),
                createdAt: entry.created
            )
        }
        return SecretMetadata(path: path, versions: versions)
    }

    // MARK: - Calls

    private func readCall(_ path: SecretPath, version: Int?) -> VaultCall {
        VaultCall(
            method: .get,
            apiPath: VaultPath.join(mount, "data", path.rawValue),
            query: version.map { "version=\($0)" },
            action: "read of secret '\(path)'" + (version.map { " version \($0)" } ?? ""),
            secretPath: path,
            accepted: [404]
        )
    }

    private func metadataCall(_ path: SecretPath) -> VaultCall {
        VaultCall(
            method: .get,
            apiPath: VaultPath.join(mount, "metadata", path.rawValue),
            action: "metadata read of secret '\(path)'",
            secretPath: path,
            accepted: [404]
        )
    }

    /// `GET data/PATH[?version=N]`; nil when Vault has no such secret or version at all.
    private func read(_ path: SecretPath, version: Int?) async throws(BackendError) -> Read? {
        let call = readCall(path, version: version)
        let answer = try await api.send(call)
        // A deleted version answers 404 with its metadata; a missing one 404 with no data.
        guard let document = try answer.json(call), let data = document.root["data"], data.kind == .object else {
            guard answer.status != 404 else { return nil }
            throw .vaultMalformedAnswer(call, detail: "no data")
        }
        guard let metadata = data["metadata"], let number = metadata["version"]?.int() else {
            throw .vaultMalformedAnswer(call, detail: "no data.metadata.version")
        }
        let secretData = data["data"].flatMap { $0.kind == .object ? $0 : nil }
        return Read(
            version: number,
            created: VaultTime.parse(metadata["created_time"]?.text()) ?? Date(timeIntervalSince1970: 0),
            custom: Self.strings(metadata["custom_metadata"]),
            data: answer.status == 404 ? nil : secretData
        )
    }

    /// `GET metadata/PATH`; nil when the secret does not exist.
    private func readMetadata(_ path: SecretPath) async throws(BackendError) -> Metadata? {
        let call = metadataCall(path)
        let answer = try await api.send(call)
        if answer.status == 404 { return nil }
        guard let data = try answer.json(call)?.root["data"], let latest = data["current_version"]?.int() else {
            throw .vaultMalformedAnswer(call, detail: "no data.current_version")
        }
        var versions: [Int: (created: Date, live: Bool)] = [:]
        for (key, entry) in data["versions"]?.members ?? [] {
            guard let number = Int(key) else { continue }
            let deleted = !(entry["deletion_time"]?.text() ?? "").isEmpty
            let destroyed = entry["destroyed"]?.bool() ?? false
            versions[number] = (
                VaultTime.parse(entry["created_time"]?.text()) ?? Date(timeIntervalSince1970: 0), !deleted && !destroyed
            )
        }
        return Metadata(latest: latest, custom: Self.strings(data["custom_metadata"]), versions: versions)
    }

    private func requireMetadata(_ path: SecretPath) async throws(BackendError) -> Metadata {
        guard let metadata = try await readMetadata(path) else { throw .vaultNotFound(metadataCall(path)) }
        return metadata
    }

    /// Writes the custom metadata that records `state`, when it differs from what is there.
    private func record(
        _ state: VersionLabels,
        latest: Int,
        previous: [String: String],
        at path: SecretPath
    ) async throws(BackendError) {
        let custom = KVv2Labels.customMetadata(recording: state, latest: latest, keeping: previous)
        guard custom != previous else { return }
        let writer = SecureJSONWriter()
        writer.beginObject()
        writer.key("custom_metadata")
        writer.beginObject()
        for key in custom.keys.sorted() {
            writer.key(key)
            writer.string(custom[key] ?? "")
        }
        writer.endObject()
        writer.endObject()
        let call = VaultCall(
            method: .post,
            apiPath: VaultPath.join(mount, "metadata", path.rawValue),
            body: writer.finish(),
            action: "label update of secret '\(path)'",
            secretPath: path
        )
        _ = try await api.send(call)
    }

    /// A read as a ``SecretVersion``; a deleted or destroyed one is not found.
    private func version(
        _ read: Read?,
        path: SecretPath,
        labels: VersionLabels,
        wanted: String
    ) throws(BackendError) -> SecretVersion {
        let call = readCall(path, version: read?.version)
        guard let read, let data = read.data else { throw .vaultVersionMissing(call, version: wanted) }
        return SecretVersion(
            path: path,
            versionID: String(read.version),
            labels: labels.labels(of: String(read.version)),
            createdAt: read.created,
            payload: try VaultPayload.payload(from: data, call: call)
        )
    }

    /// A JSON object of strings (custom metadata); anything else is empty.
    static func strings(_ node: SecureJSON.Node?) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in node?.members ?? [] {
            if let text = value.text() { result[key] = text }
        }
        return result
    }
}
