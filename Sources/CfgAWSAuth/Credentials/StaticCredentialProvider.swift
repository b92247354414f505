import CfgSecure
import FoundationEssentials

/// Credentials fixed at start-up: the credential variables or a profile's keys. They are returned as they are;
/// with an expiry (`AWS_CREDENTIAL_EXPIRATION`), cfg cannot renew them, so they are used until AWS refuses them.
package struct StaticCredentialProvider: AWSCredentialProvider, CustomStringConvertible, CustomReflectable {
    private let value: AWSCredentials

    package init(_ credentials: AWSCredentials) {
        value = credentials
    }

    package func credentials() async throws(AWSCredentialError) -> AWSCredentials { value }

    /// The source only.
    package var description: String { "static \(value.description)" }

    /// The source only.
    package var customMirror: Mirror { Mirror(self, children: ["source": value.source], displayStyle: .struct) }
}

/// The credential variables: `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, optionally `AWS_SESSION_TOKEN`
/// (or the legacy `AWS_SECURITY_TOKEN`) and `AWS_CREDENTIAL_EXPIRATION`.
package enum EnvironmentCredentials {
    /// How they are described.
    package static let source = "environment variables"

    /// The credentials, or nil when neither key variable is set (empty counts as unset).
    ///
    /// The values are `String`s in the environment already; they are copied into guarded memory here, and
    /// cfg keeps no other copy.
    ///
    /// - Throws: `.configuration` naming the missing key variable when only one of the two is set, or an
    ///   unreadable `AWS_CREDENTIAL_EXPIRATION`.
    package static func load(_ processEnvironment: [String: String]) throws(AWSCredentialError) -> AWSCredentials? {
        let keyID = processEnvironment["AWS_ACCESS_KEY_ID"].flatMap { $0.isEmpty ? nil : $0 }
        let secret = processEnvironment["AWS_SECRET_ACCESS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        switch (keyID, secret) {
        case (nil, nil):
            return nil
        case (nil, _):
            throw AWSCredentialError(
                .configuration,
                "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not; set both or neither."
            )
        case (_, nil):
            throw AWSCredentialError(
                .configuration,
                "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both or neither."
            )
        case (let keyID?, let secret?):
            let token = [processEnvironment["AWS_SESSION_TOKEN"], processEnvironment["AWS_SECURITY_TOKEN"]]
                .compactMap { $0 }.first { !$0.isEmpty }
            var expiration: Date?
            if let text = processEnvironment["AWS_CREDENTIAL_EXPIRATION"], !text.isEmpty {
                guard let date = Timestamp.rfc3339(text) else {
                    throw AWSCredentialError(
                        .configuration,
                        "AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 time such as 2026-11-21T12:00:00Z; fix or "
                            + "unset it."
                    )
                }
                expiration = date
            }
            return AWSCredentials(
                accessKeyID: keyID,
                secretAccessKey: Secret(copying: secret),
                sessionToken: token.map { Secret(copying: $0) },
                expiration: expiration,
                source: source
            )
        }
    }
}
