package import FoundationEssentials

/// Caches another provider's credentials and renews them shortly before they expire.
///
/// Credentials are reused until they are within ``refreshWindow`` (5 minutes) of their expiry; then the next
/// caller fetches new ones while concurrent callers wait for that same fetch (single flight). If the renewal
/// fails while the old credentials are still valid, the old ones are used and the next call tries again; once
/// they have expired, the failure is thrown. Credentials without an expiry are fetched once.
///
/// An actor because it coordinates async work; the clock is injected for tests.
package actor CachingCredentialProvider: AWSCredentialProvider, CustomStringConvertible {
    /// How long before expiry renewal starts.
    package static let refreshWindow: TimeInterval = 5 * 60

    private let inner: any AWSCredentialProvider
    private let now: @Sendable () -> Date
    private var cached: AWSCredentials?
    private var inFlight: Task<Result<AWSCredentials, AWSCredentialError>, Never>?
    /// How many fetches of the inner provider were started (tests count them).
    package private(set) var fetches = 0

    package init(_ inner: any AWSCredentialProvider, now: @escaping @Sendable () -> Date = { Date() }) {
        self.inner = inner
        self.now = now
    }

    package func credentials() async throws(AWSCredentialError) -> AWSCredentials {
        if let cached, !isDue(cached) { return cached }
        let task: Task<Result<AWSCredentials, AWSCredentialError>, Never>
        if let inFlight {
            task = inFlight
        } else {
            task = Task { [inner] in await Self.fetch(inner) }
            inFlight = task
            fetches += 1
        }
        let result = await task.value
        if inFlight == task { inFlight = nil }
        switch result {
        case .success(let fresh):
            if cached.map({ ($0.expiration ?? .distantFuture) <= (fresh.expiration ?? .distantFuture) }) ?? true {
                cached = fresh
            }
            return fresh
        case .failure(let error):
            // Still valid: keep using them; the next call tries again. Nothing of the error is logged here.
            if let cached, let expiration = cached.expiration, expiration > now() { return cached }
            throw error
        }
    }

    /// Within the refresh window of their expiry.
    private func isDue(_ credentials: AWSCredentials) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        return expiration.timeIntervalSince(now()) <= Self.refreshWindow
    }

    /// The inner provider's answer as a value, so that the task's result keeps the typed error.
    private static func fetch(_ inner: any AWSCredentialProvider) async -> Result<AWSCredentials, AWSCredentialError> {
        do {
            return .success(try await inner.credentials())
        } catch {
            return .failure(error)
        }
    }

    /// The inner provider, never a key.
    package nonisolated var description: String { "cached \(String(describing: inner))" }
}
