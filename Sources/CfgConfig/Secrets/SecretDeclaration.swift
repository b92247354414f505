/// A named secret reference: `db: airflow/prod/db` or the long form with generators for `cfg init`.
package struct SecretDeclaration: Sendable, Hashable {
    /// The name templates use (`secrets.NAME`).
    package var name: String
    /// The path or name in the backend.
    package var path: String
    /// A pinned version or label; nil for the current version.
    package var version: String?
    /// A leased endpoint (Vault `database/creds/ROLE`): read as it is, its lease kept for renewal.
    package var dynamic: Bool
    /// How `cfg init` creates the secret: nil when the environment only references it.
    package var generation: SecretGeneration?
    package var position: ConfigPosition

    package init(
        name: String,
        path: String,
        version: String? = nil,
        dynamic: Bool = false,
        generation: SecretGeneration? = nil,
        position: ConfigPosition
    ) {
        self.name = name
        self.path = path
        self.version = version
        self.dynamic = dynamic
        self.generation = generation
        self.position = position
    }
}
