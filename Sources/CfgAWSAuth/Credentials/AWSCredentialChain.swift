package import CfgHTTP
package import FoundationEssentials

/// The default credential chain, in the order the AWS SDKs use:
///
/// 1. the credential variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, …);
/// 2. web identity from the variables (`AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN`);
/// 3. the profile in `~/.aws/credentials` and `~/.aws/config` (a role, web identity, IAM Identity Center, keys,
///    `credential_process`; see ``ProfileCredentials``);
/// 4. container credentials (ECS task role, EKS Pod Identity);
/// 5. EC2 instance metadata.
///
/// When the caller's own setting names the profile (cfg: `backend.profile`), steps 1 and 2 are skipped, as botocore
/// skips them for a profile chosen explicitly (`--profile`); a profile named by `AWS_PROFILE` does not skip them,
/// also as botocore.
///
/// The first source that is configured decides, once, when the chain is made; if it then fails, its error
/// stands, rather than quietly falling through to credentials the user did not mean. Only instance metadata,
/// the last resort, counts as absent when nothing answers at its address or the instance has no role. When
/// nothing applies, the error is `.missing` and lists what was tried.
package struct AWSCredentialChain: AWSCredentialProvider, CustomStringConvertible, CustomReflectable {
    /// What the chain settled on.
    enum Decision: Sendable {
        case provider(any AWSCredentialProvider)
        /// Instance metadata, the last resort; `tried` lists the sources before it, for the `.missing` error.
        case instanceMetadata(InstanceMetadataCredentialProvider, tried: [String], profileSetting: String)
        /// A source applied but is set up wrongly, or nothing applied.
        case failure(AWSCredentialError)
    }

    let decision: Decision

    /// The chain for `settings`, behind a cache that renews the credentials 5 minutes before they expire.
    ///
    /// - Parameters:
    ///   - settings: the resolved settings (profile, region, STS endpoint, shared files).
    ///   - processEnvironment: the process environment (injected; nothing reads the real one).
    ///   - transport: sends the STS, container and instance-metadata requests.
    ///   - now: the clock for expiry, signatures and session names.
    ///   - containerHost: where relative container URIs are served (169.254.170.2); tests use a local server.
    package static func make(
        settings: AWSCredentialSettings,
        processEnvironment: [String: String],
        transport: any HTTPTransport,
        now: @escaping @Sendable () -> Date = { Date() },
        containerHost: String = ContainerCredentialProvider.defaultHost
    ) -> any AWSCredentialProvider {
        let chain = decide(
            settings: settings,
            processEnvironment: processEnvironment,
            transport: transport,
            now: now,
            containerHost: containerHost
        )
        return CachingCredentialProvider(chain, now: now)
    }

    /// The chain without the cache.
    static func decide(
        settings: AWSCredentialSettings,
        processEnvironment: [String: String],
        transport: any HTTPTransport,
        now: @escaping @Sendable () -> Date,
        containerHost: String
    ) -> AWSCredentialChain {
        do {
            return AWSCredentialChain(
                decision: try choose(
                    settings: settings,
                    processEnvironment: processEnvironment,
                    transport: transport,
                    now: now,
                    containerHost: containerHost
                )
            )
        } catch {
            return AWSCredentialChain(decision: .failure(error))
        }
    }

    private static func choose(
        settings: AWSCredentialSettings,
        processEnvironment: [String: String],
        transport: any HTTPTransport,
        now: @escaping @Sendable () -> Date,
        containerHost: String
    ) throws(AWSCredentialError) -> Decision {
        let sts = STSClient(endpoint: settings.stsEndpoint, region: settings.region, transport: transport, now: now)
        var tried: [String] = []
        let shared = settings.sharedConfig

        if settings.profileSkipsEnvironmentCredentials {
            tried.append(
                "the credential and web identity variables (skipped: \(settings.profileSource) names the profile)"
            )
        } else {
            if let keys = try EnvironmentCredentials.load(processEnvironment) {
                return .provider(StaticCredentialProvider(keys))
            }
            tried.append("environment variables (AWS_ACCESS_KEY_ID is not set)")
            if let provider = try webIdentityFromEnvironment(processEnvironment, sts: sts) {
                return .provider(provider)
            }
            tried.append("web identity (AWS_WEB_IDENTITY_TOKEN_FILE is not set)")
        }

        let profiles = ProfileCredentials(
            config: shared,
            processEnvironment: processEnvironment,
            sts: sts,
            transport: transport,
            now: now,
            containerHost: containerHost,
            ssoEndpoint: settings.ssoEndpoint
        )
        let profile = settings.profile
        if shared.profiles[profile] == nil {
            if settings.profileIsExplicit {
                throw AWSCredentialError(
                    .configuration,
                    "The AWS profile '\(profile)' (from \(settings.profileSource)) is not in "
                        + "\(shared.filesDescription); add it or name another profile."
                )
            }
            tried.append("profile '\(profile)' (not in \(shared.filesDescription))")
        } else if let provider = try profiles.provider(for: profile) {
            return .provider(provider)
        } else {
            tried.append("profile '\(profile)' (it has no keys, role, IAM Identity Center or credential_process)")
        }

        if let container = try ContainerCredentialProvider.fromEnvironment(
            processEnvironment,
            transport: transport,
            containerHost: containerHost
        ) {
            return .provider(container)
        }
        tried.append("container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are not set)")

        guard
            let metadata = try InstanceMetadataCredentialProvider.fromEnvironment(
                processEnvironment,
                transport: transport,
                now: now
            )
        else {
            tried.append("instance metadata (disabled by AWS_EC2_METADATA_DISABLED)")
            throw missing(tried, profileSetting: settings.profileSetting)
        }
        return .instanceMetadata(metadata, tried: tried, profileSetting: settings.profileSetting)
    }

    /// `AWS_WEB_IDENTITY_TOKEN_FILE` with `AWS_ROLE_ARN` (and `AWS_ROLE_SESSION_NAME`); nil when the token file
    /// variable is unset.
    private static func webIdentityFromEnvironment(
        _ processEnvironment: [String: String],
        sts: STSClient
    ) throws(AWSCredentialError) -> WebIdentityCredentialProvider? {
        guard let tokenFile = processEnvironment["AWS_WEB_IDENTITY_TOKEN_FILE"], !tokenFile.isEmpty else { return nil }
        guard let role = processEnvironment["AWS_ROLE_ARN"], !role.isEmpty else {
            throw AWSCredentialError(
                .configuration,
                "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not; set the role to assume."
            )
        }
        let roleARN = try RoleSettings.roleARN(role, setting: "AWS_ROLE_ARN")
        let sessionName = try processEnvironment["AWS_ROLE_SESSION_NAME"].flatMap { $0.isEmpty ? nil : $0 }
            .map { (name) throws(AWSCredentialError) in
                try RoleSettings.sessionName(name, setting: "AWS_ROLE_SESSION_NAME")
            }
        return WebIdentityCredentialProvider(
            sts: sts,
            roleARN: roleARN,
            sessionName: sessionName,
            tokenFile: AWSSharedConfig.expandingTilde(tokenFile, home: processEnvironment["HOME"]),
            tokenFileSetting: "AWS_WEB_IDENTITY_TOKEN_FILE",
            source: "web identity (AWS_ROLE_ARN)"
        )
    }

    /// The `.missing` error: every source tried, and how to provide credentials.
    ///
    /// - Parameter profileSetting: the caller's setting that names a profile (cfg: `backend.profile`).
    static func missing(_ tried: [String], profileSetting: String) -> AWSCredentialError {
        AWSCredentialError(
            .missing,
            "No AWS credentials found; tried \(tried.joined(separator: ", ")): set AWS_ACCESS_KEY_ID and "
                + "AWS_SECRET_ACCESS_KEY, name a profile with AWS_PROFILE or \(profileSetting), or run with a role "
                + "(ECS task role, EKS IRSA or Pod Identity, EC2 instance profile)."
        )
    }

    package func credentials() async throws(AWSCredentialError) -> AWSCredentials {
        switch decision {
        case .provider(let provider):
            return try await provider.credentials()
        case .failure(let error):
            throw error
        case .instanceMetadata(let metadata, let tried, let profileSetting):
            switch await metadata.fetch() {
            case .credentials(let credentials): return credentials
            case .unavailable(let reason):
                throw Self.missing(tried + ["instance metadata (\(reason))"], profileSetting: profileSetting)
            case .failure(let error): throw error
            }
        }
    }

    /// The source the chain settled on, never a key.
    package var description: String {
        switch decision {
        case .provider(let provider): "AWS credential chain: \(String(describing: provider))"
        case .instanceMetadata(let metadata, _, _): "AWS credential chain: \(metadata)"
        case .failure: "AWS credential chain: no usable source"
        }
    }

    /// The description only.
    package var customMirror: Mirror { Mirror(self, children: ["decision": description], displayStyle: .struct) }
}
