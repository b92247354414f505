/// Which backend the environment reads its secrets from.
package enum BackendConfig: Sendable, Hashable {
    case local(LocalBackendConfig)
    case vault(VaultBackendConfig)
    case aws(AWSBackendConfig)

    /// The `type:` word.
    package var kind: String {
        switch self {
        case .local: "local"
        case .vault: "vault"
        case .aws: "aws"
        }
    }
}
