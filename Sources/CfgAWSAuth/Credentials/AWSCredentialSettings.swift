/// What the credential chain needs besides the process environment: the profile and who named it, the region and
/// STS endpoint of the role calls, and the parsed shared files.
///
/// Plain values: the caller resolves them (cfg does it in one place, from the environment file and the standard
/// variables) and names its own settings, so that messages point at what the user wrote.
package struct AWSCredentialSettings: Sendable, CustomStringConvertible {
    /// Where the profile name came from.
    package enum ProfileSource: Sendable, Hashable, CustomStringConvertible {
        /// `AWS_PROFILE` or `AWS_DEFAULT_PROFILE`.
        case variable(String)
        /// The caller's own setting, named for messages (cfg: `backend.profile`): the equivalent of `--profile`.
        case setting(String)
        /// Nothing named one: `default`.
        case implicitDefault

        package var description: String {
            switch self {
            case .variable(let name): name
            case .setting(let name): name
            case .implicitDefault: "the default profile"
            }
        }
    }

    package var profile: String
    package var profileSource: ProfileSource
    /// The caller's setting that names a profile (cfg: `backend.profile`), for the hint when nothing is found.
    package var profileSetting: String
    /// The signing region of STS calls.
    package var region: String
    /// `https://sts.eu-west-1.amazonaws.com`, without a trailing `/`.
    package var stsEndpoint: String
    /// The merged `~/.aws/config` and `~/.aws/credentials`.
    package var sharedConfig: AWSSharedConfig
    /// The IAM Identity Center portal for SSO profiles, without a trailing `/` (`AWS_ENDPOINT_URL_SSO`); nil: the
    /// profile's `sso_region` decides (`https://portal.sso.REGION.amazonaws.com`).
    package var ssoEndpoint: String?

    package init(
        profile: String,
        profileSource: ProfileSource,
        profileSetting: String,
        region: String,
        stsEndpoint: String,
        sharedConfig: AWSSharedConfig,
        ssoEndpoint: String? = nil
    ) {
        self.profile = profile
        self.profileSource = profileSource
        self.profileSetting = profileSetting
        self.region = region
        self.stsEndpoint = stsEndpoint
        self.sharedConfig = sharedConfig
        self.ssoEndpoint = ssoEndpoint
    }

    /// The profile was named by a variable or the caller's setting, so it must exist.
    package var profileIsExplicit: Bool { profileSource != .implicitDefault }

    /// The profile was named by the caller's own setting (cfg's equivalent of `--profile`): as botocore does for an
    /// explicitly chosen profile, the credential chain then skips the credential variables.
    package var profileSkipsEnvironmentCredentials: Bool {
        if case .setting = profileSource { return true }
        return false
    }

    /// Profile, region and STS endpoint; never a credential.
    package var description: String {
        "AWSCredentialSettings(profile: \(profile), region: \(region), sts: \(stsEndpoint))"
    }
}
