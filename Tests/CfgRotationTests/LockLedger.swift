import CfgRotation
import Synchronization

/// Who holds a rotation lock, as the successful writes of its lock record tell it: shared by the backends of every
/// runner in a race, it notes each time a run wrote itself in as holder while another run's record still held the
/// lock (two runs holding the lock at once).
final class LockLedger: Sendable {
    private struct State {
        var holder: String?
        var acquisitions = 0
        var doubleHolds: [String] = []
    }

    private let state = Mutex(State())

    /// Notes one write of the lock record: a hold once the server accepted it, a release as it is sent (the
    /// releasing run does nothing more under the lock).
    func recordWrite(_ record: RotationLockRecord) {
        state.withLock { state in
            let owner = record.lock.owner
            if record.released {
                if state.holder == owner { state.holder = nil }
                return
            }
            if let holder = state.holder, holder != owner {
                state.doubleHolds.append("\(owner) wrote the lock while \(holder) held it")
            }
            if state.holder != owner { state.acquisitions += 1 }
            state.holder = owner
        }
    }

    /// Every time two runs held the lock at once.
    var doubleHolds: [String] { state.withLock { $0.doubleHolds } }

    /// How many times a run took the lock.
    var acquisitions: Int { state.withLock { $0.acquisitions } }
}
