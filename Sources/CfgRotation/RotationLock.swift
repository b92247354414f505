package import FoundationEssentials

/// The lock record one rotation run keeps in the backend, so two runs never rotate the same secret at once.
///
/// It is written with check-and-set (absent → ours, or an expired record → ours), and it carries an expiry so a run
/// that died while holding it blocks the next one only until `expiresAt`. The owner is a run's non-secret identity
/// (host, process id, a random suffix), shown when another run gives up waiting.
package struct RotationLock: Sendable, Hashable {
    /// Who holds the lock.
    package var owner: String
    /// When the lock stops counting unless its holder renews it.
    package var expiresAt: Date

    package init(owner: String, expiresAt: Date) {
        self.owner = owner
        self.expiresAt = expiresAt
    }

    /// Whether the record no longer protects anything at `now` (its holder may be dead).
    package func hasExpired(at now: Date) -> Bool { now >= expiresAt }
}
