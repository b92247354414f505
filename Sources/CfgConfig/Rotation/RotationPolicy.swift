/// `rotation.NAME`: how and when a secret (or one key of it) is rotated. Parsed and validated now; used by the
/// rotation issue.
package struct RotationPolicy: Sendable, Hashable {
    /// The secret's name (a key of `secrets:`).
    package var secret: String
    /// The key inside a JSON secret; nil for a whole secret.
    package var key: String?
    package var generator: GeneratorSpec
    /// Rotation period in seconds (`every: 90d`).
    package var every: Int
    /// How many old values stay valid (Fernet `keep: 2` → `new,old`).
    package var keep: Int
    package var apply: RotationApply
    package var position: ConfigPosition

    package init(
        secret: String,
        key: String?,
        generator: GeneratorSpec,
        every: Int,
        keep: Int,
        apply: RotationApply,
        position: ConfigPosition
    ) {
        self.secret = secret
        self.key = key
        self.generator = generator
        self.every = every
        self.keep = keep
        self.apply = apply
        self.position = position
    }
}
