/// What `CreateSecret` sets besides the value: the description, the KMS key and the tags of every secret the
/// backend creates. Later versions (`PutSecretValue`) keep what the secret was created with.
package struct SecretCreationOptions: Sendable, Hashable {
    /// One tag.
    package struct Tag: Sendable, Hashable {
        package var key: String
        package var value: String

        package init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    /// `Description`; nil: none.
    package var secretDescription: String?
    /// `KmsKeyId`; nil: the account's `aws/secretsmanager` key.
    package var kmsKeyID: String?
    /// `Tags`, in order.
    package var tags: [Tag]

    package init(secretDescription: String? = nil, kmsKeyID: String? = nil, tags: [Tag] = []) {
        self.secretDescription = secretDescription
        self.kmsKeyID = kmsKeyID
        self.tags = tags
    }
}
