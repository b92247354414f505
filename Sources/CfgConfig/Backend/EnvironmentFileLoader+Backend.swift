extension EnvironmentFileLoader {
    /// The words `backend.type` accepts.
    private enum BackendType: String, CaseIterable {
        case local, vault, aws

        /// The fields a backend of this type accepts.
        var fields: [String] {
            switch self {
            case .local: ["type", "store", "key_file"]
            case .vault:
                ["type", "address", "mount", "kv_version", "namespace", "auth", "tls", "timeout", "max_retries"]
            case .aws: ["type", "region", "profile", "endpoint", "kms_key_id", "tags"]
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
                    mount: try fields["mount"].map { node throws(ConfigError) in try mountPath(node) } ?? "secret",
                    kvVersion: try fields["kv_version"]?.int(in: 1...2, expected: "1 or 2") ?? 2,
                    namespace: try fields["namespace"]?.nonEmptyString(),
                    auth: try fields["auth"].map { node throws(ConfigError) in try parseVaultAuth(node) },
                    tls: try fields["tls"].map { node throws(ConfigError) in try parseVaultTLS(node) }
                        ?? VaultTLSConfig(),
                    timeoutSeconds: try fields["timeout"].map { node throws(ConfigError) in try duration(node) },
                    maxRetries: try fields["max_retries"]?.int(in: 0...10, expected: "0 to 10")
                )
            )
        case .aws:
            return .aws(
                AWSBackendConfig(
                    region: try fields["region"]?.nonEmptyString(),
                    profile: try fields["profile"]?.nonEmptyString(),
                    endpoint: try fields["endpoint"]?.nonEmptyString(),
                    kmsKeyID: try fields["kms_key_id"].map { node throws(ConfigError) in try kmsKeyID(node) },
                    tags: try fields["tags"].map { node throws(ConfigError) in try awsTags(node) } ?? []
                )
            )
        }
    }

    /// `backend.kms_key_id`: a key id, key ARN, alias name or alias ARN, as Secrets Manager's `KmsKeyId` takes it:
    /// 1 to 2048 characters without white space.
    private static func kmsKeyID(_ node: ConfigNode) throws(ConfigError) -> String {
        let text = try node.nonEmptyString()
        guard text.count <= 2048, !text.contains(where: { $0.isWhitespace }) else {
            throw node.error(
                .invalidValue,
                "\(node.label) must be a KMS key id, key ARN or alias (such as 'alias/airflow') without spaces"
            )
        }
        return text
    }

    /// `backend.tags`: a mapping of tag keys to values, under AWS's tag rules: at most 50; a key of 1 to 128 and a
    /// value of at most 256 characters, each made of letters, digits, spaces and `_ . : / = + - @`; no key that
    /// starts with `aws:` (reserved). A value written as a number is kept as written.
    private static func awsTags(_ node: ConfigNode) throws(ConfigError) -> [AWSBackendConfig.Tag] {
        let entries = try node.entries()
        guard entries.count <= 50 else {
            throw node.error(.invalidValue, "\(node.label) has \(entries.count) tags; AWS allows at most 50")
        }
        func allowed(_ text: String) -> Bool {
            text.unicodeScalars.allSatisfy {
                $0.properties.isAlphabetic || $0.properties.numericType != nil
                    || " _.:/=+-@".unicodeScalars.contains($0)
            }
        }
        var tags: [AWSBackendConfig.Tag] = []
        for entry in entries {
            let key = entry.key
            guard (1...128).contains(key.count), allowed(key) else {
                throw ConfigError(
                    .invalidValue,
                    "a tag key in \(node.label) must be 1 to 128 letters, digits, spaces or _.:/=+-@ characters",
                    at: entry.keyPosition
                )
            }
            guard !key.lowercased().hasPrefix("aws:") else {
                throw ConfigError(
                    .invalidValue,
                    "a tag key in \(node.label) must not start with 'aws:', which AWS reserves",
                    at: entry.keyPosition
                )
            }
            let value = try entry.value.string()
            guard value.count <= 256, allowed(value) else {
                throw entry.value.error(
                    .invalidValue,
                    "\(entry.value.label) must be at most 256 letters, digits, spaces or _.:/=+-@ characters"
                )
            }
            tags.append(AWSBackendConfig.Tag(key, value))
        }
        return tags
    }

    /// The auth methods `backend.auth.method` accepts, with their fields.
    private enum AuthMethod: String, CaseIterable {
        case token, approle, jwt, kubernetes, aws

        var fields: [String] {
            switch self {
            case .token: ["method", "file"]
            case .approle:
                ["method", "mount", "role_id", "role_id_file", "role_id_env", "secret_id_file", "secret_id_env"]
            case .jwt, .kubernetes: ["method", "mount", "role", "token_file"]
            // The AWS credentials themselves come from the AWS credential chain, never from this file.
            case .aws: ["method", "mount", "role", "region", "server_id"]
            }
        }
    }

    /// The projected service-account token a Kubernetes pod receives.
    package static let kubernetesTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token"

    /// `backend.auth`: `method` plus that method's fields; credentials come from files or variables only.
    private static func parseVaultAuth(_ node: ConfigNode) throws(ConfigError) -> VaultAuthConfig {
        guard node.isMapping else { throw node.invalid(expected: "a mapping with a 'method'") }
        let untyped = ConfigMapping(node: node, entries: try node.entries())
        let method = try untyped.required("method").word(AuthMethod.self, allowed: AuthMethod.allCases)
        let fields = try node.mapping(allowed: method.fields)
        switch method {
        case .token:
            return .token(file: try fields["file"]?.nonEmptyString())
        case .approle:
            let roleID = try credentialSource(
                fields,
                node: node,
                literal: "role_id",
                file: "role_id_file",
                variable: "role_id_env"
            )
            guard let roleID else {
                throw ConfigError(
                    .missingField,
                    "missing field 'role_id', 'role_id_file' or 'role_id_env' in \(node.label)",
                    at: node.position
                )
            }
            let secretID = try credentialSource(
                fields,
                node: node,
                literal: nil,
                file: "secret_id_file",
                variable: "secret_id_env"
            )
            let mount = try fields["mount"].map { node throws(ConfigError) in try mountPath(node) } ?? "approle"
            return .appRole(mount: mount, roleID: roleID, secretID: secretID)
        case .jwt, .kubernetes:
            let tokenFile = try fields["token_file"]?.nonEmptyString()
            guard let tokenFile = tokenFile ?? (method == .kubernetes ? kubernetesTokenFile : nil) else {
                throw ConfigError(.missingField, "missing field 'token_file' in \(node.label)", at: node.position)
            }
            return .jwt(
                method: method.rawValue,
                mount: try fields["mount"].map { node throws(ConfigError) in try mountPath(node) } ?? method.rawValue,
                role: try fields["role"]?.nonEmptyString(),
                tokenFile: tokenFile
            )
        case .aws:
            return .aws(
                mount: try fields["mount"].map { node throws(ConfigError) in try mountPath(node) } ?? "aws",
                role: try fields["role"]?.nonEmptyString(),
                region: try fields["region"].map { node throws(ConfigError) in try awsRegion(node) },
                serverID: try fields["server_id"]?.nonEmptyString()
            )
        }
    }

    /// An AWS region name such as `us-east-1`: lower-case letters, digits and `-` only, because it becomes part of
    /// the STS host name cfg signs for.
    private static func awsRegion(_ node: ConfigNode) throws(ConfigError) -> String {
        let text = try node.nonEmptyString()
        let valid = text.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D
        }
        guard valid, text.first != "-", text.last != "-" else {
            throw node.error(.invalidValue, "\(node.label) must be an AWS region such as 'us-east-1'")
        }
        return text
    }

    /// One of a literal, a `_file` or an `_env` field; nil when none is given; an error when several are.
    private static func credentialSource(
        _ fields: ConfigMapping,
        node: ConfigNode,
        literal: String?,
        file: String,
        variable: String
    ) throws(ConfigError) -> CredentialSource? {
        let names = [literal, file, variable].compactMap { $0 }
        let given = names.filter { fields[$0] != nil }
        if given.count > 1 {
            throw ConfigError(
                .invalidValue,
                "\(given.map { "'\($0)'" }.joined(separator: " and ")) in \(node.label) are mutually exclusive",
                at: fields.keyPosition(given[1]) ?? node.position
            )
        }
        if let literal, let value = fields[literal] { return .literal(try value.nonEmptyString()) }
        if let value = fields[file] { return .file(try value.nonEmptyString()) }
        if let value = fields[variable] {
            let name = try value.nonEmptyString()
            guard NamePattern.isIdentifier(name) else {
                throw value.error(.invalidValue, "\(value.label) must name an environment variable")
            }
            return .variable(name)
        }
        return nil
    }

    /// `backend.tls`.
    private static func parseVaultTLS(_ node: ConfigNode) throws(ConfigError) -> VaultTLSConfig {
        let fields = try node.mapping(allowed: [
            "ca_cert", "ca_path", "client_cert", "client_key", "server_name", "skip_verify",
        ])
        let tls = VaultTLSConfig(
            caCert: try fields["ca_cert"]?.nonEmptyString(),
            caPath: try fields["ca_path"]?.nonEmptyString(),
            clientCert: try fields["client_cert"]?.nonEmptyString(),
            clientKey: try fields["client_key"]?.nonEmptyString(),
            serverName: try fields["server_name"]?.nonEmptyString(),
            skipVerify: try fields["skip_verify"]?.bool() ?? false
        )
        if (tls.clientCert == nil) != (tls.clientKey == nil) {
            throw node.error(.missingField, "\(node.label) needs both 'client_cert' and 'client_key', or neither")
        }
        return tls
    }

    /// A mount path: no leading or trailing `/`, no empty or `..` segment.
    private static func mountPath(_ node: ConfigNode) throws(ConfigError) -> String {
        let text = try node.nonEmptyString()
        let segments = text.split(separator: "/", omittingEmptySubsequences: false)
        guard !segments.contains(where: { $0.isEmpty || $0 == ".." || $0 == "." }) else {
            throw node.error(.invalidValue, "\(node.label) must be a mount path like 'secret' or 'kv/team'")
        }
        return text
    }

    /// A duration such as `30s` or `2m`, in seconds.
    private static func duration(_ node: ConfigNode) throws(ConfigError) -> Int {
        if let seconds = DurationSpec.seconds(from: try node.string()) { return seconds }
        throw node.error(
            .invalidValue,
            "\(node.label) must be a duration: a positive integer and a unit s, m or h (like 30s)"
        )
    }
}
