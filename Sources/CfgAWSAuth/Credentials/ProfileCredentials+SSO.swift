/// IAM Identity Center profiles, checked as botocore's `SSOProvider._load_sso_config` checks them.
extension ProfileCredentials {
    /// The keys that make a profile an IAM Identity Center profile.
    static let ssoKeys = ["sso_session", "sso_start_url", "sso_account_id", "sso_role_name"]

    /// The SSO provider of `profile`, or nil when it has none of ``ssoKeys``.
    ///
    /// With `sso_session`, the start URL and region come from the `[sso-session NAME]` section (the profile may
    /// repeat them, but only with the same values); without it, all four `sso_*` keys are in the profile.
    ///
    /// - Throws: `.configuration` naming the profile, the file line and the missing or conflicting key.
    func ssoProvider(_ profile: AWSSharedConfig.Profile) throws(AWSCredentialError) -> SSOCredentialProvider? {
        guard Self.ssoKeys.contains(where: { profile.contains($0) }) else { return nil }
        let name = profile.name
        var startURL = profile.value("sso_start_url")
        var region = profile.value("sso_region")
        let sessionName = profile.value("sso_session")
        if let sessionName {
            guard let session = config.ssoSessions[sessionName.text] else {
                throw AWSCredentialError(
                    .configuration,
                    "The profile '\(name)' names sso_session '\(sessionName.text)' (\(sessionName.location)), but "
                        + "\(config.configFile) has no [sso-session \(sessionName.text)] section; add it "
                        + "(`aws configure sso-session` writes it) or fix the name."
                )
            }
            for key in ["sso_start_url", "sso_region"] {
                if let own = profile.value(key), let shared = session.value(key), own.text != shared.text {
                    throw AWSCredentialError(
                        .configuration,
                        "The \(key) of profile '\(name)' (\(own.location)) differs from the one of sso-session "
                            + "'\(sessionName.text)' (\(shared.location)); remove it from the profile."
                    )
                }
            }
            startURL = session.value("sso_start_url")
            region = session.value("sso_region")
            let missing = [("sso_start_url", startURL), ("sso_region", region)].filter { $0.1 == nil }.map(\.0)
            if !missing.isEmpty {
                throw AWSCredentialError(
                    .configuration,
                    "The sso-session '\(sessionName.text)' in \(config.configFile) lacks "
                        + "\(missing.joined(separator: " and ")); add it (`aws configure sso-session` writes it)."
                )
            }
        }
        let account = profile.value("sso_account_id")
        let role = profile.value("sso_role_name")
        let required: [(String, AWSSharedConfig.Value?)] = [
            ("sso_start_url", startURL), ("sso_region", region), ("sso_account_id", account), ("sso_role_name", role),
        ]
        let missing = required.filter { $0.1 == nil }.map(\.0)
        guard missing.isEmpty, let startURL, let region, let account, let role else {
            throw AWSCredentialError(
                .configuration,
                "The profile '\(name)' uses IAM Identity Center but lacks \(missing.joined(separator: ", ")) "
                    + "(in \(profile.files.joined(separator: " and "))); add them (`aws configure sso` writes them)."
            )
        }
        let ssoRegion = try AWSEndpoint.validatedRegion(
            region.text,
            source: "sso_region of profile '\(name)' (\(region.location))"
        )
        guard account.text.count == 12, account.text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw AWSCredentialError(
                .configuration,
                "The sso_account_id of profile '\(name)' (\(account.location)) is not a 12-digit account id; fix it."
            )
        }
        guard let home = processEnvironment["HOME"], !home.isEmpty else {
            throw AWSCredentialError(
                .configuration,
                "The profile '\(name)' uses IAM Identity Center, whose cached sign-in is in ~/.aws/sso/cache, but HOME "
                    + "is not set; set it."
            )
        }
        return SSOCredentialProvider(
            profile: name,
            sessionName: sessionName?.text,
            startURL: startURL.text,
            accountID: account.text,
            roleName: role.text,
            cacheDirectory: (home.hasSuffix("/") ? String(home.dropLast()) : home) + "/.aws/sso/cache",
            portalEndpoint: ssoEndpoint ?? AWSEndpoint.defaultURL(service: "portal.sso", region: ssoRegion),
            transport: transport,
            now: now
        )
    }
}
