/// `backend: { type: local, store: …, key_file: … }`.
package struct LocalBackendConfig: Sendable, Hashable {
    /// The encrypted store file; default `.cfg/ENV.store` under the project directory.
    package var store: String?
    /// The key file; default `$XDG_CONFIG_HOME/cfg/keys/ENV.key` (or `~/.config/cfg/keys/ENV.key`).
    package var keyFile: String?

    package init(store: String? = nil, keyFile: String? = nil) {
        self.store = store
        self.keyFile = keyFile
    }
}
