import CfgBackend
import CfgRotation
import Foundation

/// A backend and a target in memory, as version ids: what the tests drive the machine against.
///
/// It performs the machine's actions the way a runner over a real backend and applier would (check-and-set on the
/// lock and the labels, a target that accepts the value of some versions), records every action, and can crash a run
/// between two actions or inside one (the action's effect happened, its answer was lost).
struct RotationWorld {
    // The backend.
    var current: String? = "v1"
    var previous: String?
    var pending: String?
    var lastRotation: Date?
    var retirement: RotationState.Retirement?
    var lock: RotationLock?
    var nextVersion = 2
    /// How many values were generated: a crash must never make this grow past one per rotation.
    var generated = 0
    var backendDown = false

    // The target: which versions' values log in.
    var accepted: Set<String> = ["v1"]
    /// The target keeps old passwords when it takes a new one (Redis `ACL SETUSER u >new`); else replaces them.
    var keepsOldValues = false
    var refusals = 0
    var testFailures = 0
    var unreachable = false

    /// Every action performed (or attempted, for a crash inside one), in order.
    var log: [RotationMachine.Action] = []
    var now: Date

    init(now: Date) {
        self.now = now
    }

    var observed: RotationState {
        RotationState(
            current: current,
            previous: previous,
            pending: pending,
            lastRotation: lastRotation,
            retirement: retirement
        )
    }

    /// Where a run crashes: before the action with this index (0-based, counting actions performed), or inside it.
    struct Crash {
        var atAction: Int
        var inside: Bool
    }

    /// Runs a machine to its end (nil: it crashed); `spacing` is the time each action takes.
    mutating func run(
        owner: String,
        policy: RotationMachine.Policy,
        mode: RotationMachine.Mode = .ifDue,
        crash: Crash? = nil,
        spacing: Duration = .seconds(1)
    ) -> RotationOutcome? {
        var machine = RotationMachine(owner: owner, policy: policy)
        var queue: [RotationMachine.Event] = [.started(mode)]
        var performed = 0
        while !queue.isEmpty {
            let event = queue.removeFirst()
            actions: for action in machine.handle(event, now: now) {
                if case .finish(let outcome) = action { return outcome }
                if let crash, crash.atAction == performed {
                    if crash.inside { _ = perform(action, owner: owner) }
                    return nil
                }
                performed += 1
                now = now.addingTimeInterval(TimeInterval(spacing.components.seconds))
                if let answer = perform(action, owner: owner) {
                    queue.append(answer)
                    if case .renewLock = action { break actions }
                }
            }
        }
        return nil
    }

    /// Performs one action; returns its answer (nil for actions without one).
    mutating func perform(_ action: RotationMachine.Action, owner: String) -> RotationMachine.Event? {
        log.append(action)
        switch action {
        case .acquireLock(let record):
            if backendDown { return .backendFailed }
            if let lock { return .lockHeld(lock) }
            lock = record
            return .lockAcquired
        case .takeOverLock(let expired, let record):
            if let lock, lock != expired { return .lockHeld(lock) }
            lock = record
            return .lockAcquired
        case .renewLock(let record):
            guard lock?.owner == owner else { return .lockLost }
            lock = record
            return nil
        case .releaseLock:
            if lock?.owner == owner { lock = nil }
            return nil
        case .wait(let until):
            now = max(now, until)
            return .waitEnded
        case .observe:
            if backendDown { return .backendFailed }
            return .observed(observed)
        case .generateAndStorePending(let expectedCurrent):
            guard !backendDown, current == expectedCurrent else { return .backendFailed }
            let id = "v\(nextVersion)"
            nextVersion += 1
            generated += 1
            pending = id
            return .pendingStored(versionID: id)
        case .tryLogin(let label):
            if unreachable { return .loginResult(.unreachable) }
            guard let version = version(labelled: label) else { return .loginResult(.rejected) }
            return .loginResult(accepted.contains(version) ? .succeeded : .rejected)
        case .apply(let from):
            if unreachable { return .applyResult(.unreachable) }
            guard let version = version(labelled: from), accepted.contains(version), let pending else {
                return .applyResult(.rejected)
            }
            if refusals > 0 {
                refusals -= 1
                return .applyResult(.rejected)
            }
            accepted = keepsOldValues ? accepted.union([pending]) : [pending]
            return .applyResult(.succeeded)
        case .test:
            if unreachable { return .testResult(.unreachable) }
            if testFailures > 0 {
                testFailures -= 1
                return .testResult(.rejected)
            }
            guard let pending, accepted.contains(pending) else { return .testResult(.rejected) }
            return .testResult(.succeeded)
        case .promote(let pendingVersionID, let expectedCurrent, let retireAfter):
            guard !backendDown, pending == pendingVersionID, current == expectedCurrent else { return .backendFailed }
            previous = current
            current = pendingVersionID
            pending = nil
            lastRotation = now
            retirement = retireAfter.map { RotationState.Retirement(versionID: expectedCurrent, notBefore: $0) }
            return .promoted
        case .dropPending(let versionID):
            guard !backendDown, pending == versionID else { return .backendFailed }
            pending = nil
            return .pendingDropped
        case .retire(let versionID):
            if unreachable { return .backendFailed }
            accepted.remove(versionID)
            retirement = nil
            return .retired
        case .finish:
            return nil
        }
    }

    func version(labelled label: VersionLabel) -> String? {
        switch label {
        case .current: current
        case .previous: previous
        case .pending: pending
        }
    }

    /// Store and target agree, nothing is in progress, and the current value opens the target.
    var isConsistent: Bool {
        guard let current, pending == nil else { return false }
        return accepted.contains(current)
    }

    /// The actions the world performed, without the lock bookkeeping and waits.
    var steps: [RotationMachine.Action] {
        log.filter { action in
            switch action {
            case .acquireLock, .takeOverLock, .renewLock, .releaseLock, .wait: false
            default: true
            }
        }
    }
}
