/// How many times to try a request again, and how long to wait: pure, so it is tested without a server.
///
/// The wait is "full jitter" exponential backoff (the AWS SDKs' and Vault's choice): a random point in
/// `0 ..< min(cap, base · 2^retry)`, and no retry starts once the total budget would be exceeded. Which failures
/// are worth a retry is each backend's own rule.
package struct RetryPolicy: Sendable, Hashable {
    package var maxRetries: Int
    package var baseDelay: Duration
    package var maxDelay: Duration
    /// Retries stop when the time spent so far plus the next wait would pass this.
    package var budget: Duration

    package init(
        maxRetries: Int,
        baseDelay: Duration = .milliseconds(250),
        maxDelay: Duration = .seconds(4),
        budget: Duration = .seconds(30)
    ) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.budget = budget
    }

    /// The wait before retry number `retry` (0 for the first retry), or nil when no retry should be made.
    ///
    /// - Parameters:
    ///   - retry: how many retries were made before this one.
    ///   - elapsed: time spent on the request so far.
    ///   - random: a number in `0..<1` (injected, so tests are deterministic).
    package func delay(beforeRetry retry: Int, elapsed: Duration, random: Double) -> Duration? {
        guard retry < maxRetries else { return nil }
        let exponent = min(retry, 20)
        let ceiling = min(maxDelay, baseDelay * (1 << exponent))
        let wait = ceiling * max(0, min(random, 1))
        guard elapsed + wait <= budget else { return nil }
        return wait
    }
}
