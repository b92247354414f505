package import FoundationEssentials

/// How one run of one rotation ended: a closed set, so the executable maps each case to one exit code and the report
/// to one sentence. It carries version ids, dates and reasons only, never a value.
package enum RotationOutcome: Sendable, Hashable {
    /// Nothing to do before `until` (the next due date, or the end of an overlap a rotation must not cut short).
    case nothingDue(until: Date)
    /// A pending version was promoted: `versionID` is current now.
    case rotated(versionID: String)
    /// Only a retirement was due and is done: the value of `versionID` no longer opens the target.
    case retired(versionID: String)
    /// The rotation was undone: the pending version is gone, the current one still works, and the next run generates
    /// a fresh value.
    case rolledBack(Reason)
    /// The run stopped with the backend consistent but something for a person to look at; a pending version, if any,
    /// is kept so the next run rolls forward with it.
    case needsAttention(Reason)
    /// Another run holds the lock and did not release it within the wait.
    case lockBusy(RotationLock)

    /// The step a failure happened in, for the report.
    package enum Step: String, Sendable, Hashable {
        case lock, observe, create, apply, test, promote, rollback, retire
    }

    /// Why a run did not end in `rotated`, `retired` or `nothingDue`: non-secret facts only.
    package enum Reason: Sendable, Hashable {
        /// The target refused the new value this many times (a password policy, for example).
        case targetRejected(attempts: Int)
        /// The target took the new value but it failed the consumer's check this many times.
        case testFailed(attempts: Int)
        /// Neither the pending, the current nor the previous value logs in to the target.
        case noCredentialWorks
        /// The target could not be reached during a step.
        case targetUnreachable(Step)
        /// The backend failed (or refused a check-and-set) during a step.
        case backendFailed(Step)
        /// The lock expired or was taken over while this run held it; the run stopped touching anything.
        case lockLost
        /// The secret has no current version to rotate from (create it first, `cfg init`).
        case noCurrentVersion
        /// The runner reported something the machine did not ask for (a bug in the runner).
        case unexpectedEvent(Step)
    }
}
