package import CfgBackend
package import FoundationEssentials

/// The decisions of `cfg run`, as a pure state machine: events in (the command exited, a signal arrived, time
/// passed, a refresh or a renewal finished), actions out (start, forward, stop, renew, refresh, exit). It performs
/// no I/O and reads no clock: every event comes with `now`, and ``nextDeadline`` says when to call it again, so the
/// tests drive it through hours of leases in microseconds.
package struct Supervisor: Sendable {
    /// How the supervisor behaves (from the environment file's `run:`).
    package struct Policy: Sendable, Equatable {
        /// Between re-reads of the secrets; nil: never (dynamic secrets are still re-read when their lease ends).
        package var refresh: Duration?
        package var onChange: OnChange
        /// The quiet time after the last change before acting on it.
        package var debounce: Duration
        /// The signal that stops the command for a restart, and how long it has before SIGKILL.
        package var stopSignal: Int32
        package var stopTimeout: Duration
        /// The wait before retrying a failed refresh or renewal.
        package var retry: Duration
        /// Signals that mean "stop": received while a restart is under way, they end cfg with the command instead
        /// of starting it again.
        package var terminating: Set<Int32>

        package init(
            refresh: Duration?,
            onChange: OnChange,
            debounce: Duration,
            stopSignal: Int32,
            stopTimeout: Duration,
            retry: Duration = .seconds(10),
            terminating: Set<Int32>
        ) {
            self.refresh = refresh
            self.onChange = onChange
            self.debounce = debounce
            self.stopSignal = stopSignal
            self.stopTimeout = stopTimeout
            self.retry = retry
            self.terminating = terminating
        }
    }

    /// What a change of values does to the command.
    package enum OnChange: Sendable, Equatable {
        case restart
        /// Rewrite the files and send this signal; an environment change still restarts.
        case signal(Int32)
        case none
    }

    /// What a refresh found, compared with what the command runs with.
    package enum RefreshOutcome: Sendable, Equatable {
        case unchanged
        /// Values changed; `commandEnvironment` says whether the command's environment did (else only secret files).
        case changed(commandEnvironment: Bool)
        /// The backend could not be read: the command keeps its values.
        case failed
    }

    package enum Event: Sendable, Equatable {
        /// The command was started with the first values; the leases those values hold.
        case started(leases: [SecretPath: SecretLease], leasing: Bool)
        case childExited(ChildExit)
        /// A signal cfg received; `fromTerminal` when the kernel sent it to the whole foreground process group (the
        /// command, in cfg's group, got it too).
        case signal(Int32, fromTerminal: Bool)
        /// Time passed (a deadline may be due).
        case tick
        /// A refresh finished: what it found, the leases now in use, and the paths it re-read because their lease
        /// ended.
        case refreshed(RefreshOutcome, leases: [SecretPath: SecretLease], reissued: Set<SecretPath>)
        case leaseRenewed(SecretPath, SecretLease)
        case leaseRenewalFailed(SecretPath)
        /// The backend's own session was renewed; when to renew it next (nil: never).
        case sessionRenewed(next: Date?)
        case sessionRenewalFailed
    }

    package enum Action: Sendable, Equatable {
        /// Start the command with the latest values (after writing their files).
        case spawn
        /// Send the command a signal cfg received.
        case forward(Int32)
        /// Stop the command for a restart.
        case stop(Int32)
        /// The command outlived the stop timeout.
        case kill
        /// Rewrite the secret files, then send the command this signal.
        case reload(Int32)
        /// Re-read the secrets, issuing new dynamic ones at `reissue` (their leases ended).
        case refresh(reissue: Set<SecretPath>)
        case renew(SecretPath, SecretLease, increment: Duration)
        case renewSession
        /// Revoke the leases the command no longer uses.
        case revokeRetired
        /// Revoke every lease, end the session, and end as the command did (cfg exits with its status).
        case exit(ChildExit)
    }

    /// Where a lease stands: what to do with it next, and when.
    struct TrackedLease: Sendable, Equatable {
        var lease: SecretLease
        /// Its time to live when issued: what each renewal asks for.
        var fullDuration: Duration
        var due: Date?
        /// True: the next step is a new secret (not renewable, or renewals no longer extend it).
        var reissue: Bool
    }

    enum Phase: Sendable, Equatable {
        case starting
        case running
        /// Stopping the command to start it again; SIGKILL at `killAt` unless it exited.
        case restarting(killAt: Date, killed: Bool)
        case finished
    }

    package let policy: Policy
    private(set) var phase = Phase.starting
    private(set) var leases: [SecretPath: TrackedLease] = [:]
    private(set) var refreshDue: Date?
    private(set) var refreshing = false
    /// Paths whose lease ended, to re-read at the next refresh.
    private(set) var reissue: Set<SecretPath> = []
    /// When a debounced change is acted on, and whether the command's environment changed.
    private(set) var changeDue: Date?
    private(set) var commandEnvironmentChanged = false
    private(set) var sessionDue: Date?
    /// A terminating signal arrived: the next exit of the command ends cfg, and changes are no longer acted on.
    private(set) var exitRequested = false

    package init(policy: Policy) {
        self.policy = policy
    }

    /// When to call ``handle(_:now:)`` with `.tick` next; nil when only an event can change anything.
    package var nextDeadline: Date? {
        var deadlines: [Date] = []
        if case .restarting(let killAt, false) = phase { deadlines.append(killAt) }
        if phase == .running || phase == .starting, !exitRequested, let changeDue {
            deadlines.append(changeDue)
        }
        if !refreshing, let refreshDue { deadlines.append(refreshDue) }
        deadlines += leases.values.compactMap(\.due)
        if let sessionDue { deadlines.append(sessionDue) }
        return phase == .finished ? nil : deadlines.min()
    }

    /// Feeds one event; returns what to do, in order.
    package mutating func handle(_ event: Event, now: Date) -> [Action] {
        guard phase != .finished else { return [] }
        switch event {
        case .started(let leases, let leasing):
            phase = .running
            track(leases, now: now)
            refreshDue = policy.refresh.map { now + $0 }
            return leasing ? [.renewSession] : []
        case .childExited(let status):
            return childExited(status, now: now)
        case .signal(let signal, let fromTerminal):
            if policy.terminating.contains(signal) { exitRequested = true }
            // The terminal sent it to the whole foreground group: the command has it already.
            return fromTerminal ? [] : [.forward(signal)]
        case .tick:
            return due(now: now)
        case .refreshed(let outcome, let leases, let reissued):
            return refreshed(outcome, leases: leases, reissued: reissued, now: now)
        case .leaseRenewed(let path, let lease):
            guard var tracked = leases[path], tracked.lease.id == lease.id else { return [] }
            tracked.lease = lease
            // Vault grants less than asked once the lease nears its maximum time to live: then a new secret is due.
            tracked.reissue = !lease.renewable || lease.duration < tracked.fullDuration
            tracked.due = Self.twoThirds(of: lease)
            leases[path] = tracked
            return []
        case .leaseRenewalFailed(let path):
            guard var tracked = leases[path] else { return [] }
            let retryAt = now + policy.retry
            if retryAt < tracked.lease.expiresAt {
                tracked.due = retryAt
            } else {
                tracked.reissue = true
                tracked.due = now
            }
            leases[path] = tracked
            return due(now: now)
        case .sessionRenewed(let next):
            sessionDue = next
            return []
        case .sessionRenewalFailed:
            sessionDue = now + policy.retry
            return []
        }
    }

    private mutating func childExited(_ status: ChildExit, now: Date) -> [Action] {
        if case .restarting = phase, !exitRequested {
            phase = .running
            // The new start takes the newest values: a change found during the restart is served by it.
            changeDue = nil
            commandEnvironmentChanged = false
            return [.spawn, .revokeRetired]
        }
        phase = .finished
        return [.exit(status)]
    }

    private mutating func refreshed(
        _ outcome: RefreshOutcome,
        leases current: [SecretPath: SecretLease],
        reissued: Set<SecretPath>,
        now: Date
    ) -> [Action] {
        refreshing = false
        switch outcome {
        case .failed:
            refreshDue = now + policy.retry
            return []
        case .unchanged, .changed:
            reissue.subtract(reissued)
            track(current, now: now)
            refreshDue = reissue.isEmpty ? policy.refresh.map { now + $0 } : now
        }
        if case .changed(let commandEnvironment) = outcome {
            commandEnvironmentChanged = commandEnvironmentChanged || commandEnvironment
            changeDue = now + policy.debounce
        }
        return due(now: now)
    }

    /// Starts tracking new leases and forgets the ones no longer in use (renewals already under way keep theirs).
    private mutating func track(_ current: [SecretPath: SecretLease], now: Date) {
        var next: [SecretPath: TrackedLease] = [:]
        for (path, lease) in current {
            if let tracked = leases[path], tracked.lease.id == lease.id {
                next[path] = tracked
            } else {
                next[path] = TrackedLease(
                    lease: lease,
                    fullDuration: lease.duration,
                    due: lease.duration > .zero ? Self.twoThirds(of: lease) : nil,
                    reissue: !lease.renewable
                )
            }
        }
        leases = next
    }

    /// Everything due at `now`.
    private mutating func due(now: Date) -> [Action] {
        var actions: [Action] = []
        if case .restarting(let killAt, false) = phase, killAt <= now {
            phase = .restarting(killAt: killAt, killed: true)
            actions.append(.kill)
        }
        if phase == .running, !exitRequested, let changeDue, changeDue <= now {
            self.changeDue = nil
            actions += applyChange(now: now)
        }
        for path in leases.keys.sorted() {
            guard var tracked = leases[path], let due = tracked.due, due <= now else { continue }
            tracked.due = nil
            leases[path] = tracked
            if tracked.reissue {
                reissue.insert(path)
                refreshDue = now
            } else {
                actions.append(.renew(path, tracked.lease, increment: tracked.fullDuration))
            }
        }
        if !refreshing, let refreshDue, refreshDue <= now {
            refreshing = true
            self.refreshDue = nil
            actions.append(.refresh(reissue: reissue))
        }
        if let sessionDue, sessionDue <= now {
            self.sessionDue = nil
            actions.append(.renewSession)
        }
        return actions
    }

    private mutating func applyChange(now: Date) -> [Action] {
        let commandEnvironment = commandEnvironmentChanged
        commandEnvironmentChanged = false
        switch policy.onChange {
        case .none:
            return []
        case .signal(let signal) where !commandEnvironment:
            return [.reload(signal), .revokeRetired]
        case .restart, .signal:
            phase = .restarting(killAt: now + policy.stopTimeout, killed: false)
            return [.stop(policy.stopSignal)]
        }
    }

    /// Two thirds into a lease's time to live: when Vault Agent renews too.
    static func twoThirds(of lease: SecretLease) -> Date {
        lease.issuedAt.addingTimeInterval(Double(lease.duration.components.seconds) * 2 / 3)
    }
}

extension Date {
    static func + (date: Date, duration: Duration) -> Date {
        let (seconds, attoseconds) = duration.components
        return date.addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
    }
}
