/// `rotation.NAME`: how and when a secret (or one key of it) is rotated by `cfg rotate`.
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
    /// How long the old value keeps working after promotion before it is retired (`overlap: 2h`), in seconds; nil:
    /// the applier's default.
    package var overlap: Int?
    /// Fernet: the command that must exit 0 after the new key became current before keys beyond `keep` are dropped.
    package var confirm: [String]?
    /// A command run after each promotion (a redeploy, for example).
    package var after: [String]?
    package var position: ConfigPosition

    package init(
        secret: String,
        key: String?,
        generator: GeneratorSpec,
        every: Int,
        keep: Int,
        apply: RotationApply,
        overlap: Int? = nil,
        confirm: [String]? = nil,
        after: [String]? = nil,
        position: ConfigPosition
    ) {
        self.secret = secret
        self.key = key
        self.generator = generator
        self.every = every
        self.keep = keep
        self.apply = apply
        self.overlap = overlap
        self.confirm = confirm
        self.after = after
        self.position = position
    }
}
