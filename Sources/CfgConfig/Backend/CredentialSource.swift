/// Where a credential comes from: a file or an environment variable (never the command line, never the file
/// itself for secret ids).
package enum CredentialSource: Sendable, Hashable {
    case file(String)
    case variable(String)
    /// Written in the environment file: allowed only for identifiers that are not secret (an AppRole role_id).
    case literal(String)
}
