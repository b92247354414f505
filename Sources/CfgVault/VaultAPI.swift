import CfgBackend
import CfgSecure

/// Authenticated Vault calls: the session's token on every call, and a 403 told apart from an invalid token.
struct VaultAPI: Sendable {
    var client: VaultClient
    var session: VaultSession

    /// Sends `call` with the session's token.
    ///
    /// A 403 is either a policy denial or a token Vault no longer accepts; one `lookup-self` tells them apart, on
    /// this failure path only.
    func send(_ call: VaultCall) async throws(BackendError) -> VaultResponse {
        let token = try await session.token()
        do {
            return try await client.send(call, token: token)
        } catch  where error.code == .permissionDenied {
            if await session.tokenIsValid() { throw error }
            throw .vaultTokenInvalid(call, method: session.method)
        }
    }
}
