/// `backend.auth` of a Vault backend.
package enum VaultAuthConfig: Sendable, Hashable {
    /// A token: from `file`, else `BAO_TOKEN`/`VAULT_TOKEN`, else `~/.vault-token`.
    case token(file: String?)
    /// AppRole login at `mount` (default `approle`).
    case appRole(mount: String, roleID: CredentialSource, secretID: CredentialSource?)
    /// JWT login (`jwt` or `kubernetes` method) at `mount` with a token file (a projected service-account token).
    case jwt(method: String, mount: String, role: String?, tokenFile: String)
    /// AWS IAM login at `mount` (default `aws`): a SigV4-signed `sts:GetCallerIdentity` request that Vault replays
    /// to STS. `role` nil lets Vault use the IAM principal's name; `region` nil signs for `us-east-1` and the global
    /// endpoint, otherwise for that region and its regional endpoint; `serverID` is sent and signed as
    /// `X-Vault-AWS-IAM-Server-ID` (the mount's `iam_server_id_header_value`).
    case aws(mount: String, role: String?, region: String?, serverID: String?)

    /// The method word as written.
    package var method: String {
        switch self {
        case .token: "token"
        case .appRole: "approle"
        case .jwt(let method, _, _, _): method
        case .aws: "aws"
        }
    }
}
