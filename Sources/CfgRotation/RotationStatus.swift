package import CfgBackend
package import FoundationEssentials

/// Where one rotation stands, for `cfg rotate --status` and `--dry-run`: dates, version ids and the lock holder, never
/// a value. Read without taking the lock, so it may be a moment old.
package struct RotationStatus: Sendable, Hashable {
    /// The rotated secret.
    package var path: SecretPath
    /// The backend's labels and the rotation record as a run would observe them.
    package var state: RotationState
    /// When the next rotation is due; nil: now (never rotated, or no current version).
    package var nextDue: Date?
    /// Whether a run in `ifDue` mode would rotate at `now` (a rotation in progress is always finished).
    package var isDue: Bool
    /// A live lock another run holds; nil when none is held or it has expired or been released.
    package var lock: RotationLock?

    package init(path: SecretPath, state: RotationState, nextDue: Date?, isDue: Bool, lock: RotationLock?) {
        self.path = path
        self.state = state
        self.nextDue = nextDue
        self.isDue = isDue
        self.lock = lock
    }
}

extension RotationRunner {
    /// Reads where the rotation stands at `now()`, without the lock and without writing anything.
    package func status() async throws(BackendError) -> RotationStatus {
        let observed = try await observedState()
        let at = now()
        let nextDue = RotationSchedule.nextDue(lastRotation: observed.state.lastRotation, every: policy.every)
        let isDue = RotationSchedule.isDue(lastRotation: observed.state.lastRotation, every: policy.every, now: at)
        let lock = try await readLock().flatMap { found in found.record.isFree(at: at) ? nil : found.record.lock }
        return RotationStatus(path: path, state: observed.state, nextDue: nextDue, isDue: isDue, lock: lock)
    }
}
