/// `backend: { type: aws, region: …, profile: …, endpoint: …, kms_key_id: …, tags: {…} }`: parsed and validated
/// here; the engine turns it into the Secrets Manager backend's settings.
package struct AWSBackendConfig: Sendable, Hashable {
    /// One of `backend.tags`, in file order.
    package struct Tag: Sendable, Hashable {
        package var key: String
        package var value: String

        package init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    package var region: String?
    package var profile: String?
    package var endpoint: String?
    /// `backend.kms_key_id`: the KMS key (id, ARN, alias name or alias ARN) that encrypts the secrets `cfg init`
    /// creates; nil: the account's `aws/secretsmanager` key.
    package var kmsKeyID: String?
    /// `backend.tags`: tags every secret `cfg init` creates gets.
    package var tags: [Tag]

    package init(
        region: String?,
        profile: String?,
        endpoint: String?,
        kmsKeyID: String? = nil,
        tags: [Tag] = []
    ) {
        self.region = region
        self.profile = profile
        self.endpoint = endpoint
        self.kmsKeyID = kmsKeyID
        self.tags = tags
    }
}
