/// The secrets a template needs, found without rendering it.
package struct SecretReferences: Sendable, Hashable {
    /// Secret names used statically as `secrets.NAME` or `secrets["NAME"]`.
    package var names: Set<String>
    /// True when `secrets` is used in a way that may reach any secret (iterated, indexed dynamically,
    /// passed whole to a filter); the resolver must then fetch every secret.
    package var usesAllSecrets: Bool

    package init(names: Set<String> = [], usesAllSecrets: Bool = false) {
        self.names = names
        self.usesAllSecrets = usesAllSecrets
    }
}
