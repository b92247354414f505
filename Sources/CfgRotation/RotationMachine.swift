package import CfgBackend
package import FoundationEssentials

/// One rotation of one secret (or one key of it) as a pure state machine: events in, actions out.
///
/// The staged protocol (create, apply, test, promote, later retire) modelled on AWS's rotation functions and
/// Vault's static roles. The machine performs no I/O, reads no clock and never sees a value: it works on version
/// ids and labels, every event comes with `now`, and a thin runner performs the actions in order and reports their
/// results. Because every decision is made from the backend state a run observes, a run started after a crash at
/// any point rolls the rotation forward (or back) instead of starting another, and never regenerates a pending
/// value that was already stored.
///
/// Safety rules it keeps:
/// - the pending value is stored before the target is touched, and reused when it exists;
/// - the pending version is dropped only when the target refused it (so the target provably still holds the
///   current value), never after the target took it;
/// - retries are bounded, waits are bounded, and a lock this run no longer holds stops it before its next write.
package struct RotationMachine: Sendable {
    /// How a rotation behaves (from the environment file's `rotation:` policy and cfg's defaults).
    package struct Policy: Sendable, Hashable {
        /// The time between rotations.
        package var every: Duration
        /// Whether a target must take the value (PostgreSQL, Redis, a command hook) or the backend is the only
        /// place it lives (Fernet keys, secret keys): store-only rotations skip apply and test.
        package var appliesToTarget: Bool
        /// How long the old value must keep working after promotion before it is retired; nil: nothing to retire.
        package var overlap: Duration?
        /// How many times a refused change, or a failing test, is tried before the run gives up on it.
        package var maxAttempts: Int
        /// The wait between those attempts.
        package var retryDelay: Duration
        /// How long a lock record counts; it is renewed when half of it has passed.
        package var lockDuration: Duration
        /// How long a run waits for a lock another run holds before giving up with `lockBusy`.
        package var lockWait: Duration
        /// How often a waiting run looks again whether the lock was released.
        package var lockPoll: Duration

        package init(
            every: Duration,
            appliesToTarget: Bool,
            overlap: Duration? = nil,
            maxAttempts: Int = 3,
            retryDelay: Duration = .seconds(10),
            lockDuration: Duration = .seconds(300),
            lockWait: Duration = .seconds(60),
            lockPoll: Duration = .seconds(2)
        ) {
            precondition(maxAttempts >= 1, "a rotation tries a change at least once")
            self.every = every
            self.appliesToTarget = appliesToTarget
            self.overlap = overlap
            self.maxAttempts = maxAttempts
            self.retryDelay = retryDelay
            self.lockDuration = lockDuration
            self.lockWait = lockWait
            self.lockPoll = lockPoll
        }
    }

    /// When a run rotates.
    package enum Mode: Sendable, Hashable {
        /// Only when `every` has passed since the last rotation (`cfg rotate --due`, a schedule).
        case ifDue
        /// Now, whatever the age (`cfg rotate ENV NAME`).
        case now
    }

    /// What the target answered to a login, a change or a test.
    package enum TargetResult: Sendable, Hashable {
        case succeeded
        /// The target answered and said no (wrong password, a refused value, a failing query).
        case rejected
        /// The target could not be reached: nothing is known about its state.
        case unreachable
    }

    /// What happened, as the runner reports it.
    package enum Event: Sendable, Hashable {
        /// The run begins.
        case started(Mode)
        /// The lock record is ours (written, taken over from an expired holder).
        case lockAcquired
        /// Another run's lock record is there.
        case lockHeld(RotationLock)
        /// The lock record changed under us (a renewal's check-and-set failed).
        case lockLost
        /// A `.wait(until:)` ended.
        case waitEnded
        /// The backend's labels and rotation metadata, read under the lock.
        case observed(RotationState)
        /// The generated value is stored as the pending version.
        case pendingStored(versionID: String)
        /// The answer to `.tryLogin`.
        case loginResult(TargetResult)
        /// The answer to `.apply`.
        case applyResult(TargetResult)
        /// The answer to `.test`.
        case testResult(TargetResult)
        /// `.promote` is done.
        case promoted
        /// `.dropPending` is done.
        case pendingDropped
        /// `.retire` is done (and the retirement record removed).
        case retired
        /// The backend failed the last backend action (including a refused check-and-set).
        case backendFailed
    }

    /// What the runner does next. Actions of one answer are performed in order; when one fails, the runner reports
    /// it and drops the rest.
    package enum Action: Sendable, Hashable {
        /// Write the lock record if there is none (check-and-set on "absent").
        case acquireLock(RotationLock)
        /// Replace an expired lock record with ours (check-and-set on the expired record).
        case takeOverLock(expired: RotationLock, with: RotationLock)
        /// Extend our lock record (check-and-set on our owner); a failure is reported as `.lockLost`.
        case renewLock(RotationLock)
        /// Delete our lock record.
        case releaseLock
        /// Sleep until `until`, then report `.waitEnded`.
        case wait(until: Date)
        /// Read the labels and rotation metadata; report `.observed`.
        case observe
        /// Generate a value with the policy's generator and store it as the pending version, unless the current
        /// version is no longer `expectedCurrent` (check-and-set); report `.pendingStored`.
        case generateAndStorePending(expectedCurrent: String)
        /// Log in to the target with the value of the version labelled `label`; report `.loginResult`.
        case tryLogin(VersionLabel)
        /// Logged in with the value labelled `from`, make the target accept the pending value; report `.applyResult`.
        case apply(from: VersionLabel)
        /// Use the pending value as a consumer would; report `.testResult`.
        case test
        /// Atomically: `pendingVersionID` becomes current, `expectedCurrent` becomes previous, and, when
        /// `retireAfter` is set, a retirement of `expectedCurrent` not before that date is recorded; report `.promoted`.
        case promote(pendingVersionID: String, expectedCurrent: String, retireAfter: Date?)
        /// Remove the pending version (its label, and the version where the backend allows); report `.pendingDropped`.
        case dropPending(versionID: String)
        /// Remove what only kept the overlap alive (the value of `versionID` from the target, an old Fernet key), then
        /// the retirement record; report `.retired`.
        case retire(versionID: String)
        /// The run is over.
        case finish(RotationOutcome)
    }

    /// Where the run stands.
    enum Phase: Sendable, Hashable {
        case idle
        case locking
        case waitingForLock
        case observing
        case creating
        /// Trying to log in with `label` (pending first, then current, then previous).
        case loggingIn(VersionLabel)
        /// Changing the target, logged in with `from`; `attempts` refusals so far; `waiting` during the retry delay.
        case applying(from: VersionLabel, attempts: Int, waiting: Bool)
        case testing(attempts: Int, waiting: Bool)
        case promoting
        case rollingBack(attempts: Int)
        case retiring(versionID: String)
        case finished
    }

    /// This run's identity in the lock record.
    package let owner: String
    package let policy: Policy
    private(set) var phase = Phase.idle
    private(set) var mode = Mode.ifDue
    /// When this run stops waiting for another run's lock.
    private(set) var lockWaitDeadline: Date?
    /// Our lock's expiry while we hold it.
    private(set) var lockExpiresAt: Date?
    /// The backend state observed under the lock, updated as the run changes it.
    private(set) var state: RotationState?

    package init(owner: String, policy: Policy) {
        self.owner = owner
        self.policy = policy
    }

    /// Feeds one event; returns what to do next, in order.
    ///
    /// An event the current step did not ask for ends the run with `needsAttention(.unexpectedEvent)`; events after
    /// the run finished are ignored.
    package mutating func handle(_ event: Event, now: Date) -> [Action] {
        switch (phase, event) {
        case (.finished, _):
            return []
        case (_, .lockLost) where phase != .idle:
            return finish(.needsAttention(.lockLost), releasing: false)
        case (.idle, .started(let mode)):
            self.mode = mode
            lockWaitDeadline = now + policy.lockWait
            return acquireLock(now: now)
        case (.locking, .lockAcquired):
            lockExpiresAt = now + policy.lockDuration
            phase = .observing
            return [.observe]
        case (.locking, .lockHeld(let other)):
            return lockHeld(by: other, now: now)
        case (.locking, .backendFailed):
            return finish(.needsAttention(.backendFailed(.lock)), releasing: false)
        case (.waitingForLock, .waitEnded):
            return acquireLock(now: now)
        case (.observing, .observed(let observed)):
            state = observed
            return decide(now: now)
        case (.creating, .pendingStored(let versionID)):
            state?.pending = versionID
            return rollForward(now: now)
        case (.loggingIn(let label), .loginResult(let result)):
            return loginAnswered(label, result, now: now)
        case (.applying(let from, let attempts, waiting: false), .applyResult(let result)):
            return applyAnswered(from: from, attempts: attempts, result, now: now)
        case (.applying(let from, let attempts, waiting: true), .waitEnded):
            phase = .applying(from: from, attempts: attempts, waiting: false)
            return step(.apply(from: from), now: now)
        case (.testing(let attempts, waiting: false), .testResult(let result)):
            return testAnswered(attempts: attempts, result, now: now)
        case (.testing(let attempts, waiting: true), .waitEnded):
            phase = .testing(attempts: attempts, waiting: false)
            return step(.test, now: now)
        case (.promoting, .promoted):
            let versionID = state?.pending ?? ""
            return finish(.rotated(versionID: versionID))
        case (.rollingBack(let attempts), .pendingDropped):
            return finish(.rolledBack(.targetRejected(attempts: attempts)))
        case (.retiring(let versionID), .retired):
            state?.retirement = nil
            return rotateIfDue(now: now, retired: versionID)
        case (_, .backendFailed) where currentStep != nil:
            return finish(.needsAttention(.backendFailed(currentStep ?? .lock)))
        default:
            return finish(.needsAttention(.unexpectedEvent(currentStep ?? .lock)), releasing: holdsLock)
        }
    }

    // MARK: Lock

    private mutating func acquireLock(now: Date) -> [Action] {
        phase = .locking
        return [.acquireLock(RotationLock(owner: owner, expiresAt: now + policy.lockDuration))]
    }

    /// Another run's record: take it over when it expired, wait (bounded, looking again every `lockPoll`) while it may
    /// still be released, or give up.
    private mutating func lockHeld(by other: RotationLock, now: Date) -> [Action] {
        if other.hasExpired(at: now) {
            return [
                .takeOverLock(expired: other, with: RotationLock(owner: owner, expiresAt: now + policy.lockDuration))
            ]
        }
        guard let deadline = lockWaitDeadline, now < deadline else {
            return finish(.lockBusy(other), releasing: false)
        }
        phase = .waitingForLock
        return [.wait(until: min(other.expiresAt, deadline, now + policy.lockPoll))]
    }

    /// Whether this run holds the lock (it acquired it and has not finished).
    private var holdsLock: Bool { lockExpiresAt != nil && phase != .finished }

    /// `action`, preceded by a renewal when half the lock's time has passed; nothing but the end when the lock
    /// already expired (another run may hold it now: this one must not write).
    private mutating func step(_ action: Action, now: Date) -> [Action] {
        guard let expiresAt = lockExpiresAt else { return [action] }
        if now >= expiresAt {
            return finish(.needsAttention(.lockLost), releasing: false)
        }
        let halfway = expiresAt.addingTimeInterval(-halfLockDuration)
        guard now >= halfway else { return [action] }
        let renewed = RotationLock(owner: owner, expiresAt: now + policy.lockDuration)
        lockExpiresAt = renewed.expiresAt
        return [.renewLock(renewed), action]
    }

    private var halfLockDuration: TimeInterval {
        let (seconds, attoseconds) = policy.lockDuration.components
        return (TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18) / 2
    }

    // MARK: Steps

    /// The first decision under the lock: finish what is in progress, retire what is due, or start a rotation.
    private mutating func decide(now: Date) -> [Action] {
        guard let state, state.current != nil else {
            return finish(.needsAttention(.noCurrentVersion))
        }
        if state.pending != nil {
            return rollForward(now: now)
        }
        if let retirement = state.retirement {
            guard now >= retirement.notBefore else {
                // A rotation now would move the value still in its overlap out of reach of retirement.
                return finish(.nothingDue(until: retirement.notBefore))
            }
            phase = .retiring(versionID: retirement.versionID)
            return step(.retire(versionID: retirement.versionID), now: now)
        }
        return rotateIfDue(now: now, retired: nil)
    }

    /// Starts a rotation when due (or forced); otherwise ends the run.
    private mutating func rotateIfDue(now: Date, retired: String?) -> [Action] {
        guard let current = state?.current else { return finish(.needsAttention(.noCurrentVersion)) }
        let lastRotation = state?.lastRotation
        guard mode == .now || RotationSchedule.isDue(lastRotation: lastRotation, every: policy.every, now: now) else {
            if let retired {
                return finish(.retired(versionID: retired))
            }
            return finish(
                .nothingDue(until: RotationSchedule.nextDue(lastRotation: lastRotation, every: policy.every) ?? now)
            )
        }
        phase = .creating
        return step(.generateAndStorePending(expectedCurrent: current), now: now)
    }

    /// With a pending version stored (now or by an earlier run): apply it, or promote a store-only value.
    private mutating func rollForward(now: Date) -> [Action] {
        guard policy.appliesToTarget else { return promote(now: now) }
        phase = .loggingIn(.pending)
        return step(.tryLogin(.pending), now: now)
    }

    /// Pending first (the change may have happened already), then current, then previous.
    private mutating func loginAnswered(_ label: VersionLabel, _ result: TargetResult, now: Date) -> [Action] {
        switch result {
        case .succeeded where label == .pending:
            phase = .testing(attempts: 0, waiting: false)
            return step(.test, now: now)
        case .succeeded:
            phase = .applying(from: label, attempts: 0, waiting: false)
            return step(.apply(from: label), now: now)
        case .rejected:
            let next: VersionLabel? =
                switch label {
                case .pending: .current
                case .current: state?.previous == nil ? nil : .previous
                case .previous: nil
                }
            guard let next else { return finish(.needsAttention(.noCredentialWorks)) }
            phase = .loggingIn(next)
            return step(.tryLogin(next), now: now)
        case .unreachable:
            return finish(.needsAttention(.targetUnreachable(.apply)))
        }
    }

    /// A refused change is retried up to `maxAttempts`, then rolled back: the target still holds what it had.
    private mutating func applyAnswered(
        from: VersionLabel,
        attempts: Int,
        _ result: TargetResult,
        now: Date
    ) -> [Action] {
        switch result {
        case .succeeded:
            phase = .testing(attempts: 0, waiting: false)
            return step(.test, now: now)
        case .rejected:
            let refused = attempts + 1
            guard refused < policy.maxAttempts else {
                guard let pending = state?.pending else { return finish(.needsAttention(.backendFailed(.rollback))) }
                phase = .rollingBack(attempts: refused)
                return step(.dropPending(versionID: pending), now: now)
            }
            phase = .applying(from: from, attempts: refused, waiting: true)
            return [.wait(until: now + policy.retryDelay)]
        case .unreachable:
            return finish(.needsAttention(.targetUnreachable(.apply)))
        }
    }

    /// A failing test is retried (a change can take time to propagate); the pending version is never dropped here,
    /// because the target may already depend on it.
    private mutating func testAnswered(attempts: Int, _ result: TargetResult, now: Date) -> [Action] {
        switch result {
        case .succeeded:
            return promote(now: now)
        case .rejected:
            let failed = attempts + 1
            guard failed < policy.maxAttempts else { return finish(.needsAttention(.testFailed(attempts: failed))) }
            phase = .testing(attempts: failed, waiting: true)
            return [.wait(until: now + policy.retryDelay)]
        case .unreachable:
            return finish(.needsAttention(.targetUnreachable(.test)))
        }
    }

    private mutating func promote(now: Date) -> [Action] {
        guard let pending = state?.pending, let current = state?.current else {
            return finish(.needsAttention(.backendFailed(.promote)))
        }
        phase = .promoting
        let retireAfter = policy.overlap.map { now + $0 }
        return step(.promote(pendingVersionID: pending, expectedCurrent: current, retireAfter: retireAfter), now: now)
    }

    /// Ends the run; releases the lock when this run holds it.
    private mutating func finish(_ outcome: RotationOutcome, releasing: Bool = true) -> [Action] {
        let release = releasing && holdsLock
        phase = .finished
        return release ? [.releaseLock, .finish(outcome)] : [.finish(outcome)]
    }

    /// The step the current phase belongs to, for reasons; nil before the run started.
    private var currentStep: RotationOutcome.Step? {
        switch phase {
        case .idle, .finished: nil
        case .locking, .waitingForLock: .lock
        case .observing: .observe
        case .creating: .create
        case .loggingIn, .applying: .apply
        case .testing: .test
        case .promoting: .promote
        case .rollingBack: .rollback
        case .retiring: .retire
        }
    }
}
