/// Where a platform can fetch a secret itself: a Secrets Manager ARN and the version it was read at, for ECS
/// `secrets[].valueFrom`. Not secret: it names the secret, never its value.
package struct DeliveryReference: Sendable, Hashable, CustomStringConvertible {
    /// The full ARN, with its random suffix (`arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf`).
    package var arn: String
    /// A pinned staging label (`AWSPREVIOUS`); nil for the current version, which ECS reads by default.
    package var versionStage: String?
    /// A pinned version id; nil unless the reference pins one. Never set together with `versionStage`.
    package var versionID: String?

    package init(arn: String, versionStage: String? = nil, versionID: String? = nil) {
        self.arn = arn
        self.versionStage = versionStage
        self.versionID = versionID
    }

    /// The `valueFrom` form `ARN:json-key:version-stage:version-id`, with trailing empty fields left out and the
    /// colons of empty fields kept when a later field is used (`ARN::AWSPREVIOUS:`, `ARN:password::`).
    ///
    /// - Parameter jsonKey: one top-level key of a JSON secret, or nil for the whole secret string.
    package func valueFrom(jsonKey: String? = nil) -> String {
        guard jsonKey != nil || versionStage != nil || versionID != nil else { return arn }
        return "\(arn):\(jsonKey ?? ""):\(versionStage ?? ""):\(versionID ?? "")"
    }

    /// Whether ECS can address `key` inside the secret: its `valueFrom` fields are separated by colons.
    package static func canAddress(jsonKey key: String) -> Bool {
        !key.isEmpty && !key.contains(":")
    }

    package var description: String { valueFrom() }
}
