import CfgBackend
import CfgHTTP

/// The Vault backend's failures: one sentence each, naming the call and what to do; never a value, a header or
/// a body (Vault's own error strings only choose the sentence).
extension BackendError {
    static let vaultKind = "vault"

    static func vaultTransport(_ call: VaultCall, address: String, error: HTTPError) -> BackendError {
        switch error.kind {
        case .tls:
            return BackendError(
                .tls,
                backend: vaultKind,
                path: call.secretPath,
                message:
                    "TLS with Vault at \(address) failed during \(call.action): \(error.message). Check the CA "
                    + "(backend.tls.ca_cert, VAULT_CACERT), the server name and any client certificate."
            )
        case .timeout:
            return BackendError(
                .unreachable,
                backend: vaultKind,
                path: call.secretPath,
                message: "Vault at \(address) did not answer in time during \(call.action): \(error.message)."
            )
        case .cancelled:
            return vaultCancelled(call)
        case .responseTooLarge:
            return BackendError(
                .unavailable,
                backend: vaultKind,
                path: call.secretPath,
                message:
                    "Vault at \(error.endpoint ?? address) answered \(call.action) with more than "
                    + "\(error.exceeded ?? "the limit") (cfg's limit for one Vault answer); check that VAULT_ADDR "
                    + "(or backend.address) points at Vault itself and that the secret is smaller than 1 MiB."
            )
        case .unreachable, .proxy, .transfer, .invalidRequest:
            return BackendError(
                .unreachable,
                backend: vaultKind,
                path: call.secretPath,
                message:
                    "Vault at \(address) (VAULT_ADDR or backend.address) cannot be reached during \(call.action): "
                    + error.message
            )
        }
    }

    static func vaultCancelled(_ call: VaultCall) -> BackendError {
        BackendError(.unreachable, backend: vaultKind, path: call.secretPath, message: "\(call.action) was cancelled.")
    }

    static func vaultSealed(_ call: VaultCall, address: String) -> BackendError {
        BackendError(
            .unavailable,
            backend: vaultKind,
            path: call.secretPath,
            message: "Vault at \(address) is sealed (\(call.action) refused with HTTP 503); unseal it and try again."
        )
    }

    static func vaultStandby(_ call: VaultCall, address: String, status: Int) -> BackendError {
        BackendError(
            .unavailable,
            backend: vaultKind,
            path: call.secretPath,
            message:
                "Vault at \(address) is a standby node (HTTP \(status) for \(call.action)); point VAULT_ADDR at the "
                + "active node or the cluster address."
        )
    }

    static func vaultThrottled(_ call: VaultCall, address: String, attempts: Int) -> BackendError {
        BackendError(
            .unavailable,
            backend: vaultKind,
            path: call.secretPath,
            message:
                "Vault at \(address) refused \(call.action) with HTTP 429 (a rate limit quota) after \(attempts) "
                + "attempt\(attempts == 1 ? "" : "s"); raise the quota's rate, spread the starts over time, or allow "
                + "more retries (VAULT_MAX_RETRIES)."
        )
    }

    static func vaultDenied(_ call: VaultCall) -> BackendError {
        BackendError(
            .permissionDenied,
            backend: vaultKind,
            path: call.secretPath,
            message:
                "Vault denied \(call.action) (HTTP 403 on \"\(call.apiPath)\"). Check that the token's policy grants "
                + "this path."
        )
    }

    static func vaultTokenInvalid(_ call: VaultCall?, method: String) -> BackendError {
        BackendError(
            .authenticationFailed,
            backend: vaultKind,
            path: call?.secretPath,
            message:
                "Vault rejected " + (method == "token" ? "the Vault token" : "the token from the \(method) login")
                + " as invalid or expired"
                + (call.map { " during \($0.action)" } ?? "") + "; log in again or renew the token."
        )
    }

    static func vaultNotFound(_ call: VaultCall) -> BackendError {
        BackendError(
            .notFound,
            backend: vaultKind,
            path: call.secretPath,
            message:
                "Vault has nothing at \"\(call.apiPath)\" (\(call.action), HTTP 404). Vault also answers 404 when a "
                + "policy hides a path, so check the path and the token's policies."
        )
    }

    static func vaultVersionMissing(_ call: VaultCall, version: String) -> BackendError {
        BackendError(
            .notFound,
            backend: vaultKind,
            path: call.secretPath,
            message:
                "Vault has no readable \(version) (\(call.action)): it does not exist, or was deleted or destroyed."
        )
    }

    static func vaultNoRoute(_ call: VaultCall) -> BackendError {
        BackendError(
            .invalidRequest,
            backend: vaultKind,
            path: call.secretPath,
            message:
                "Vault has no secrets engine at \"\(call.apiPath)\" (\(call.action)): check backend.mount, "
                + "kv_version and the namespace."
        )
    }

    static func vaultConflict(_ call: VaultCall) -> BackendError {
        BackendError(
            .conflict,
            backend: vaultKind,
            path: call.secretPath,
            message:
                "Vault refused \(call.action): the check-and-set version did not match (another writer changed the "
                + "secret); read it again and retry."
        )
    }

    static func vaultConflict(at path: SecretPath, expected: String, actual: String?) -> BackendError {
        BackendError(
            .conflict,
            backend: vaultKind,
            path: path,
            message:
                "Vault secret '\(path)' changed: expected current version "
                + (expected.isEmpty ? "none (a new secret)" : expected) + ", found " + (actual ?? "none") + "."
        )
    }

    static func vaultServerError(_ call: VaultCall, status: Int, attempts: Int) -> BackendError {
        BackendError(
            .unavailable,
            backend: vaultKind,
            path: call.secretPath,
            message:
                "Vault answered HTTP \(status) to \(call.action) after \(attempts) attempt\(attempts == 1 ? "" : "s"); "
                + "see the Vault server's log."
        )
    }

    static func vaultRejected(_ call: VaultCall, status: Int) -> BackendError {
        BackendError(
            .invalidRequest,
            backend: vaultKind,
            path: call.secretPath,
            message: "Vault refused \(call.action) with HTTP \(status); see the Vault server's log."
        )
    }

    static func vaultMalformedAnswer(_ call: VaultCall, detail: String) -> BackendError {
        BackendError(
            .corrupt,
            backend: vaultKind,
            path: call.secretPath,
            message: "Vault's answer to \(call.action) is not what the API documents (\(detail))."
        )
    }

    static func vaultLoginFailed(method: String, mount: String, status: Int) -> BackendError {
        BackendError(
            .authenticationFailed,
            backend: vaultKind,
            message:
                "Vault \(method) login at auth/\(mount) failed (HTTP \(status)): the credentials were not accepted; "
                + "check the role and the credential files or variables."
        )
    }

    static func vaultCredentialMissing(_ what: String, hint: String) -> BackendError {
        BackendError(.authenticationFailed, backend: vaultKind, message: "No usable \(what): \(hint).")
    }

    static func vaultUnsupported(_ path: SecretPath?, _ what: String) -> BackendError {
        BackendError(.unsupported, backend: vaultKind, path: path, message: what)
    }

    static func vaultPayloadNotStorable(_ path: SecretPath) -> BackendError {
        BackendError(
            .invalidRequest,
            backend: vaultKind,
            path: path,
            message: "Vault secret '\(path)' cannot be stored: its JSON is not valid."
        )
    }
}
