package import CfgBackend

/// Vault's retry rule: its own client retries 412 (eventual consistency on performance standbys), 429 (a rate limit
/// quota: `request path "…": rate limit quota exceeded`, as OpenBao answers once a quota's rate is spent) and every
/// 5xx except 501 (not initialised), `VAULT_MAX_RETRIES` times (default 2), with full-jitter backoff.
package typealias VaultRetryPolicy = RetryPolicy

extension RetryPolicy {
    /// Whether an HTTP status from Vault is worth another attempt.
    package static func isRetryable(status: Int) -> Bool {
        status == 412 || status == 429 || (500...599).contains(status) && status != 501
    }
}
