extension EnvironmentLoader {
    /// The words `backend.type` accepts.
    private enum BackendType: String, CaseIterable {
        case local, vault, aws

        /// The fields a backend of this type accepts.
        var fields: [String] {
            switch self {
            case .local: ["type", "store", "key_file"]
            case .vault: ["type", "address", "mount", "kv_version", "namespace", "auth"]
            case .aws: ["type", "region", "profile", "endpoint"]
            }
        }
    }

    /// `backend:`: `type` first, then the fields of that type.
    static func parseBackend(_ node: ConfigNode) throws(ConfigError) -> BackendConfig {
        guard node.isMapping else { throw node.invalid(expected: "a mapping with a 'type'") }
        let untyped = ConfigMapping(node: node, entries: try node.entries())
        let type = try untyped.required("type").word(BackendType.self, allowed: BackendType.allCases)
        let fields = try node.mapping(allowed: type.fields)
        switch type {
        case .local:
            // A leading `~/` is kept as written: the engine expands it.
            return .local(
                LocalBackendConfig(
                    store: try fields["store"]?.nonEmptyString(),
                    keyFile: try fields["key_file"]?.nonEmptyString()
                )
            )
        case .vault:
            return .vault(
                VaultBackendConfig(
                    address: try fields["address"]?.nonEmptyString(),
                    mount: try fields["mount"]?.nonEmptyString() ?? "secret",
                    kvVersion: try fields["kv_version"]?.int(in: 1...2, expected: "1 or 2") ?? 2,
                    namespace: try fields["namespace"]?.nonEmptyString(),
                    auth: try fields["auth"].map { node throws(ConfigError) in try parseVaultAuth(node) } ?? []
                )
            )
        case .aws:
            return .aws(
                AWSBackendConfig(
                    region: try fields["region"]?.nonEmptyString(),
                    profile: try fields["profile"]?.nonEmptyString(),
                    endpoint: try fields["endpoint"]?.nonEmptyString()
                )
            )
        }
    }

    /// `backend.auth`: `method` plus the method's own fields, kept as written for the Vault backend to check.
    private static func parseVaultAuth(_ node: ConfigNode) throws(ConfigError) -> [ConfigMapEntry] {
        let entries = try node.entries()
        _ = try ConfigMapping(node: node, entries: entries).required("method").nonEmptyString()
        var result: [ConfigMapEntry] = []
        for entry in entries {
            result.append(ConfigMapEntry(key: entry.key, value: try entry.value.value()))
        }
        return result
    }
}
