import CfgHTTP
import FoundationEssentials

/// Turns a profile of the shared files into a provider, following botocore:
///
/// 1. `role_arn` with `web_identity_token_file`: web identity;
/// 2. `role_arn` with `source_profile` (or `credential_source`): `AssumeRole` signed by the source profile's
///    credentials (or the named source). A source profile with keys is used for its keys even if it has a
///    `role_arn` of its own; one without keys is resolved the same way, so roles chain. A profile may name
///    itself as its source when it has keys. Cycles and chains deeper than ``maxDepth`` are errors;
/// 3. IAM Identity Center: `sso_session` (with an `[sso-session NAME]` section) or the legacy `sso_start_url`,
///    with `sso_account_id` and `sso_role_name` (``SSOCredentialProvider``);
/// 4. `aws_access_key_id` and `aws_secret_access_key` (plus `aws_session_token`) in the credentials file: static
///    keys;
/// 5. `credential_process` (``ProcessCredentialProvider``);
/// 6. the same keys in the config file.
///
/// This is botocore's order (`ProfileProviderBuilder.providers`: web identity, SSO, shared credentials file,
/// process, config file, after `AssumeRoleProvider`); 4 and 6 differ only for a profile that has both keys and a
/// `credential_process`. A profile with none of these provides no credentials (nil), and the chain goes on. Errors
/// name the profile and the file line.
struct ProfileCredentials {
    /// The longest chain of `source_profile` references followed.
    static let maxDepth = 10

    let config: AWSSharedConfig
    let processEnvironment: [String: String]
    let sts: STSClient
    let transport: any HTTPTransport
    let now: @Sendable () -> Date
    let containerHost: String
    /// The IAM Identity Center portal the caller resolved (`AWS_ENDPOINT_URL_SSO`); nil: the SSO region's own.
    var ssoEndpoint: String?

    /// The provider for `name`, or nil when the profile does not exist or provides no credentials.
    func provider(for name: String) throws(AWSCredentialError) -> (any AWSCredentialProvider)? {
        try resolve(name, chain: [])
    }

    private func resolve(_ name: String, chain: [String]) throws(AWSCredentialError) -> (any AWSCredentialProvider)? {
        guard let profile = config.profiles[name] else { return nil }
        let source = "profile '\(name)'"
        if let role = profile.value("role_arn") {
            let roleARN = try RoleSettings.roleARN(role.text, setting: "role_arn in \(source) (\(role.location))")
            let sessionName = try profile.value("role_session_name").map { (value) throws(AWSCredentialError) in
                try RoleSettings.sessionName(value.text, setting: "\(source) (\(value.location))")
            }
            let duration = try profile.value("duration_seconds").map { (value) throws(AWSCredentialError) in
                try RoleSettings.duration(value.text, setting: "\(source) (\(value.location))")
            }
            if let tokenFile = profile.value("web_identity_token_file") {
                return WebIdentityCredentialProvider(
                    sts: sts,
                    roleARN: roleARN,
                    sessionName: sessionName,
                    tokenFile: AWSSharedConfig.expandingTilde(tokenFile.text, home: processEnvironment["HOME"]),
                    tokenFileSetting: "web_identity_token_file in \(source) (\(tokenFile.location))",
                    durationSeconds: duration,
                    source: source
                )
            }
            if let mfa = profile.value("mfa_serial") {
                throw AWSCredentialError(
                    .configuration,
                    "The \(source) needs an MFA code (mfa_serial, \(mfa.location)), which cfg cannot prompt for; "
                        + "use a profile without MFA or export temporary credentials."
                )
            }
            let sourceProvider = try roleSource(profile, roleLocation: role.location, chain: chain + [name])
            return AssumeRoleCredentialProvider(
                sts: sts,
                roleARN: roleARN,
                sessionName: sessionName,
                externalID: profile.value("external_id")?.text,
                durationSeconds: duration,
                sourceProvider: sourceProvider,
                source: source
            )
        }
        if let tokenFile = profile.value("web_identity_token_file") {
            throw AWSCredentialError(
                .configuration,
                "The \(source) sets web_identity_token_file (\(tokenFile.location)) without role_arn; add the role."
            )
        }
        if let sso = try ssoProvider(profile) {
            return CachingCredentialProvider(sso, now: now)
        }
        let keys = try staticKeys(profile)
        let process = profile.value("credential_process")
        if let keys, process == nil || keysAreInCredentialsFile(profile) {
            return StaticCredentialProvider(keys)
        }
        if let process {
            let provider = try ProcessCredentialProvider(
                commandLine: process.text,
                environment: processEnvironment,
                source: source,
                location: process.location
            )
            return CachingCredentialProvider(provider, now: now)
        }
        return keys.map(StaticCredentialProvider.init)
    }

    /// Whether the profile's secret key was written in the credentials file (which botocore reads before
    /// `credential_process`) rather than the config file (read after it).
    private func keysAreInCredentialsFile(_ profile: AWSSharedConfig.Profile) -> Bool {
        profile.secret("aws_secret_access_key")?.location.file == config.credentialsFile
    }

    /// Who signs a profile's `AssumeRole`: its `source_profile` or its `credential_source`.
    private func roleSource(
        _ profile: AWSSharedConfig.Profile,
        roleLocation: AWSSharedConfig.Location,
        chain: [String]
    ) throws(AWSCredentialError) -> any AWSCredentialProvider {
        let name = profile.name
        let sourceProfile = profile.value("source_profile")
        let credentialSource = profile.value("credential_source")
        if let sourceProfile, let credentialSource {
            throw AWSCredentialError(
                .configuration,
                "The profile '\(name)' sets both source_profile (\(sourceProfile.location)) and credential_source "
                    + "(\(credentialSource.location)); keep one."
            )
        }
        if let credentialSource {
            return try namedSource(credentialSource, profile: name)
        }
        guard let sourceProfile else {
            throw AWSCredentialError(
                .configuration,
                "The profile '\(name)' sets role_arn (\(roleLocation)) but no source_profile, credential_source or "
                    + "web_identity_token_file; add one of them."
            )
        }
        let sourceName = sourceProfile.text
        if sourceName == name {
            guard let keys = try staticKeys(profile) else {
                throw AWSCredentialError(
                    .configuration,
                    "The profile '\(name)' names itself as source_profile (\(sourceProfile.location)) but has no "
                        + "aws_access_key_id and aws_secret_access_key; add them or name another profile."
                )
            }
            return StaticCredentialProvider(keys)
        }
        if chain.contains(sourceName) {
            throw AWSCredentialError(
                .configuration,
                "The source_profile references \((chain + [sourceName]).map { "'\($0)'" }.joined(separator: " → ")) "
                    + "form a cycle (\(sourceProfile.location)); break it."
            )
        }
        guard chain.count < Self.maxDepth else {
            throw AWSCredentialError(
                .configuration,
                "The source_profile chain from profile '\(chain.first ?? name)' is longer than \(Self.maxDepth) "
                    + "profiles (\(sourceProfile.location)); shorten it."
            )
        }
        guard let source = config.profiles[sourceName] else {
            throw AWSCredentialError(
                .configuration,
                "The source_profile '\(sourceName)' of profile '\(name)' (\(sourceProfile.location)) is not in "
                    + "\(config.filesDescription); add it or fix the name."
            )
        }
        if let keys = try staticKeys(source) {
            return StaticCredentialProvider(keys)
        }
        guard let provider = try resolve(sourceName, chain: chain) else {
            throw AWSCredentialError(
                .configuration,
                "The source_profile '\(sourceName)' of profile '\(name)' (\(sourceProfile.location)) has no "
                    + "credentials; add keys or a role to it."
            )
        }
        return provider
    }

    /// `credential_source = Environment | Ec2InstanceMetadata | EcsContainer`.
    private func namedSource(
        _ value: AWSSharedConfig.Value,
        profile: String
    ) throws(AWSCredentialError) -> any AWSCredentialProvider {
        let setting = "credential_source = \(value.text) in profile '\(profile)' (\(value.location))"
        switch value.text {
        case "Environment":
            guard let keys = try EnvironmentCredentials.load(processEnvironment) else {
                throw AWSCredentialError(
                    .configuration,
                    "\(setting) needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, which are not set."
                )
            }
            return StaticCredentialProvider(keys)
        case "EcsContainer":
            guard
                let provider = try ContainerCredentialProvider.fromEnvironment(
                    processEnvironment,
                    transport: transport,
                    containerHost: containerHost
                )
            else {
                throw AWSCredentialError(
                    .configuration,
                    "\(setting) needs AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or AWS_CONTAINER_CREDENTIALS_FULL_URI, "
                        + "which are not set."
                )
            }
            return CachingCredentialProvider(provider, now: now)
        case "Ec2InstanceMetadata":
            guard
                let provider = try InstanceMetadataCredentialProvider.fromEnvironment(
                    processEnvironment,
                    transport: transport,
                    now: now
                )
            else {
                throw AWSCredentialError(.configuration, "\(setting) cannot work: AWS_EC2_METADATA_DISABLED is true.")
            }
            return CachingCredentialProvider(provider, now: now)
        default:
            throw AWSCredentialError(
                .configuration,
                "credential_source in profile '\(profile)' (\(value.location)) must be Environment, "
                    + "Ec2InstanceMetadata or EcsContainer."
            )
        }
    }

    /// The profile's keys, nil when it has neither key.
    ///
    /// - Throws: `.configuration` naming the missing key when only one of the two is there.
    private func staticKeys(_ profile: AWSSharedConfig.Profile) throws(AWSCredentialError) -> AWSCredentials? {
        let keyID = profile.value("aws_access_key_id")
        let secret = profile.secret("aws_secret_access_key")
        switch (keyID, secret) {
        case (nil, nil):
            return nil
        case (let keyID?, nil):
            throw AWSCredentialError(
                .configuration,
                "The profile '\(profile.name)' has aws_access_key_id (\(keyID.location)) but no "
                    + "aws_secret_access_key; add it."
            )
        case (nil, let secret?):
            throw AWSCredentialError(
                .configuration,
                "The profile '\(profile.name)' has aws_secret_access_key (\(secret.location)) but no "
                    + "aws_access_key_id; add it."
            )
        case (let keyID?, let secret?):
            let token = profile.secret("aws_session_token") ?? profile.secret("aws_security_token")
            return AWSCredentials(
                accessKeyID: keyID.text,
                secretAccessKey: secret.secret,
                sessionToken: token?.secret,
                source: "profile '\(profile.name)'"
            )
        }
    }
}
