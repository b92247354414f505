/// How the backend gets its token, resolved: paths absolute, the token's source chosen.
package enum VaultAuth: Sendable, Hashable {
    /// A token read from a variable or a file; cfg did not create it and never revokes it.
    case token(TokenSource)
    case appRole(mount: String, roleID: CredentialSource, secretID: CredentialSource?)
    case jwt(mount: String, role: String?, tokenFile: String)
    /// AWS IAM login: a signed `sts:GetCallerIdentity` request (see ``VaultAWSLogin``); credentials come from the
    /// AWS credential provider the backend was given.
    case aws(mount: String, role: String?, region: String?, serverID: String?)

    /// Where a given token comes from.
    package enum TokenSource: Sendable, Hashable {
        case variable(String)
        case file(String)
        /// `~/.vault-token`, the fallback when nothing else names a token.
        case homeFile(String)
        /// Nothing found: the error is raised when a token is first needed.
        case missing
    }

    /// Where a login credential (an AppRole role_id or secret_id) comes from; read when the login happens.
    package enum CredentialSource: Sendable, Hashable {
        case file(String)
        case variable(String)
        /// The value itself (cfg: written in the environment file), only for identifiers that are not secret (an
        /// AppRole role_id).
        case literal(String)
    }

    /// The method's word, for messages.
    package var method: String {
        switch self {
        case .token: "token"
        case .appRole: "approle"
        case .jwt: "jwt"
        case .aws: "aws"
        }
    }
}
