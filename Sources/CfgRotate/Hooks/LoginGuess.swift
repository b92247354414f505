import CfgRotation
import CfgSecure
import Synchronization

/// How a ``CommandTarget`` without a test command answers logins: nothing can tell whether a value opens the target,
/// so it assumes the pending value has not been applied yet and the current one works.
///
/// The runner tries the pending value first, then the current one, then the previous one. So the first value of a
/// login sequence is answered `.rejected` (the machine goes on to the current value), and the next, different, value
/// `.succeeded` (the machine applies the pending value with it): the apply command runs in every run that reaches
/// the target, so it must be idempotent. The first value is remembered (in guarded memory, by reference) until a
/// different value is asked or ``reset()``, so a run that stopped after the first login and a run after it agree.
final class LoginGuess: Sendable {
    /// The value a login sequence started with; nil between sequences.
    private let first = Mutex<Secret?>(nil)

    init() {}

    /// The answer for `value`; see the type's discussion.
    func answer(_ value: Secret) -> RotationMachine.TargetResult {
        first.withLock { first in
            if let started = first, started != value {
                first = nil
                return .succeeded
            }
            first = value
            return .rejected
        }
    }

    /// Ends a login sequence: the runner went on to apply, test or retire.
    func reset() {
        first.withLock { $0 = nil }
    }
}
