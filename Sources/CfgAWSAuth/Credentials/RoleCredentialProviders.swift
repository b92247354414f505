/// Web identity federation (EKS IRSA and other OIDC issuers): STS `AssumeRoleWithWebIdentity` with the token in
/// a file, read afresh on every call because the issuer rotates it.
package struct WebIdentityCredentialProvider: AWSCredentialProvider, CustomStringConvertible, CustomReflectable {
    package var sts: STSClient
    package var roleARN: String
    /// `RoleSessionName`; nil: `cfg-<epoch seconds>`.
    package var sessionName: String?
    package var tokenFile: String
    /// Where the token file was named (`AWS_WEB_IDENTITY_TOKEN_FILE`, `~/.aws/config:7`).
    package var tokenFileSetting: String
    package var durationSeconds: Int?
    /// How the credentials are described (`web identity (AWS_ROLE_ARN)`, `profile 'eks'`).
    package var source: String

    package init(
        sts: STSClient,
        roleARN: String,
        sessionName: String?,
        tokenFile: String,
        tokenFileSetting: String,
        durationSeconds: Int? = nil,
        source: String
    ) {
        self.sts = sts
        self.roleARN = roleARN
        self.sessionName = sessionName
        self.tokenFile = tokenFile
        self.tokenFileSetting = tokenFileSetting
        self.durationSeconds = durationSeconds
        self.source = source
    }

    package func credentials() async throws(AWSCredentialError) -> AWSCredentials {
        try await sts.assumeRoleWithWebIdentity(
            roleARN: roleARN,
            sessionName: sessionName,
            tokenFile: tokenFile,
            tokenFileSetting: tokenFileSetting,
            durationSeconds: durationSeconds,
            source: source
        )
    }

    /// The role, the token file's path and the endpoint; never the token.
    package var description: String {
        "web identity \(roleARN) with the token in \(tokenFile) via \(sts.endpoint)"
    }

    /// Non-secret fields only.
    package var customMirror: Mirror {
        Mirror(self, children: ["roleARN": roleARN, "tokenFile": tokenFile, "source": source], displayStyle: .struct)
    }
}

/// A role assumed with STS `AssumeRole`, signed by the credentials of a source provider (another profile, the
/// credential variables, the container endpoint or instance metadata).
package struct AssumeRoleCredentialProvider: AWSCredentialProvider, CustomStringConvertible, CustomReflectable {
    package var sts: STSClient
    package var roleARN: String
    /// `RoleSessionName`; nil: `cfg-<epoch seconds>`.
    package var sessionName: String?
    package var externalID: String?
    package var durationSeconds: Int?
    /// Who signs the call.
    package var sourceProvider: any AWSCredentialProvider
    /// How the credentials are described (`profile 'prod'`).
    package var source: String

    package init(
        sts: STSClient,
        roleARN: String,
        sessionName: String?,
        externalID: String?,
        durationSeconds: Int?,
        sourceProvider: any AWSCredentialProvider,
        source: String
    ) {
        self.sts = sts
        self.roleARN = roleARN
        self.sessionName = sessionName
        self.externalID = externalID
        self.durationSeconds = durationSeconds
        self.sourceProvider = sourceProvider
        self.source = source
    }

    package func credentials() async throws(AWSCredentialError) -> AWSCredentials {
        let signing = try await sourceProvider.credentials()
        return try await sts.assumeRole(
            roleARN: roleARN,
            sessionName: sessionName,
            externalID: externalID,
            durationSeconds: durationSeconds,
            credentials: signing,
            source: source
        )
    }

    /// The role and its source; never a key or the external id.
    package var description: String {
        "role \(roleARN) assumed with \(String(describing: sourceProvider)) via \(sts.endpoint)"
    }

    /// Non-secret fields only.
    package var customMirror: Mirror {
        Mirror(self, children: ["roleARN": roleARN, "source": source], displayStyle: .struct)
    }
}

/// Checks of the values that go into STS calls, made when the chain is set up so that a typo is reported with
/// the place it was written.
enum RoleSettings {
    /// An IAM role ARN: `arn:PARTITION:iam::ACCOUNT:role/NAME`.
    static func roleARN(_ text: String, setting: String) throws(AWSCredentialError) -> String {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", !parts[1].isEmpty, parts[2] == "iam", parts[5].hasPrefix("role/"),
            !text.contains(where: { $0.isWhitespace })
        else {
            throw AWSCredentialError(
                .configuration,
                "The role ARN in \(setting) is not an IAM role ARN such as arn:aws:iam::123456789012:role/NAME; "
                    + "fix it."
            )
        }
        return text
    }

    /// A `RoleSessionName`: 2 to 64 of `A-Z a-z 0-9 _ + = , . @ -`.
    static func sessionName(_ text: String, setting: String) throws(AWSCredentialError) -> String {
        let allowed = text.unicodeScalars.allSatisfy {
            $0.isASCII
                && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_+=,.@-".unicodeScalars.contains($0))
        }
        guard (2...64).contains(text.count), allowed else {
            throw AWSCredentialError(
                .configuration,
                "The role session name in \(setting) must be 2 to 64 letters, digits or _+=,.@- characters; fix it."
            )
        }
        return text
    }

    /// `DurationSeconds`: 900 to 43200.
    static func duration(_ text: String, setting: String) throws(AWSCredentialError) -> Int {
        guard let seconds = Int(text), (900...43_200).contains(seconds) else {
            throw AWSCredentialError(
                .configuration,
                "duration_seconds in \(setting) must be a whole number of seconds from 900 to 43200; fix it."
            )
        }
        return seconds
    }
}
