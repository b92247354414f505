package import CfgBackend
package import CfgEngine
package import FoundationEssentials
package import Logging

#if canImport(Glibc)
package import Glibc
#endif

/// Drives the ``Supervisor`` state machine for `cfg run` with the real world: the command as a child process, the
/// signals cfg receives, the backend (through a ``LeaseKeeper``), and the clock.
///
/// Everything arrives as one stream of inputs (signals from the signal source, the timer, finished backend work),
/// handled one at a time, so the machine's state needs no lock. The loop reads no environment file: the values the
/// command starts with come from ``prepare``, and the machine's rules from ``policy``.
package struct SupervisorLoop: Sendable {
    /// Prepares the values the command starts with, reading the secrets through `backend` (the loop's
    /// ``LeaseKeeper``, which keeps dynamic secrets until their lease ends).
    package typealias Prepare = @Sendable (_ backend: any SecretBackend) async throws(EngineError) -> ServiceLaunch

    /// The command and its arguments.
    package var arguments: [String]
    package var policy: Supervisor.Policy
    package var prepare: Prepare
    /// Where the signals come from.
    package var signals: any SignalSource = SignalPump()
    /// Whether cfg takes in its descendants' orphans (as a subreaper, unless it is PID 1) and reaps every child that
    /// ends; when false, only the command is reaped (the process has children of its own, as a test runner does).
    package var adoptsOrphans = true
    /// The signal mask the command starts with: the one cfg was started with.
    package var signalMask: sigset_t? = SignalMask.startup
    /// Receives each line about what the supervisor did (`run: …`: names, paths and PIDs only, never a value).
    package var report: @Sendable (String) -> Void
    package var logger: Logger
    package var now: @Sendable () -> Date = { Date() }

    package init(
        arguments: [String],
        policy: Supervisor.Policy,
        logger: Logger,
        report: @escaping @Sendable (String) -> Void,
        prepare: @escaping Prepare
    ) {
        self.arguments = arguments
        self.policy = policy
        self.logger = logger
        self.report = report
        self.prepare = prepare
    }

    /// One input of the loop.
    enum Input: Sendable {
        case signal(Int32, fromTerminal: Bool)
        case tick
        /// A refresh prepared new values (or failed); `reissued`: the dynamic secrets it issued anew.
        case prepared(Result<ServiceLaunch, EngineError>, reissued: Set<SecretPath>)
        case event(Supervisor.Event)
    }

    /// The state the loop owns besides the machine's.
    private struct Running {
        var child: ChildProcess
        /// What the command runs with, and the newest values read.
        var launch: ServiceLaunch
        var latest: ServiceLaunch
        /// The earliest deadline a timer is sleeping until.
        var timerAt: Date?
    }

    /// Starts the command with values read through `backend` and supervises it to its end. Every lease is revoked,
    /// the backend closed and the secret files removed before it returns or throws.
    ///
    /// - Returns: how the command ended, the last time it did.
    /// - Throws: `EngineError` when the values cannot be prepared or their files written (for the first start or a
    ///   restart); `ProcessError` when the command cannot be started or the signals cannot be received.
    package func run(backend base: any SecretBackend) async throws -> ChildExit {
        guard let mask = signalMask else {
            throw ProcessError(.internalFailure, "run: the signal mask cfg was started with was not saved.")
        }
        if adoptsOrphans { Reaper.becomeSubreaper() }
        let backend = LeaseKeeper(base)
        let launch: ServiceLaunch
        do {
            launch = try await prepare(backend)
            try launch.writeFiles()
        } catch {
            await end(backend, launch: nil)
            throw error
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Input.self)
        defer { continuation.finish() }
        let child: ChildProcess
        do {
            try signals.start { continuation.yield(.signal($0, fromTerminal: $1)) }
            child = try ChildProcess.spawn(command(launch), signalMask: mask, as: "run")
        } catch {
            await end(backend, launch: launch)
            throw error
        }
        var machine = Supervisor(policy: policy)
        var state = Running(child: child, launch: launch, latest: launch)
        let ending = await withTaskGroup(of: Void.self) { group -> Result<ChildExit, any Error> in
            var actions = machine.handle(
                .started(leases: backend.leases, leasing: backend.leasing != nil),
                now: now()
            )
            var inputs = stream.makeAsyncIterator()
            while true {
                for action in actions {
                    if let ending = perform(
                        action,
                        state: &state,
                        backend: backend,
                        mask: mask,
                        group: &group,
                        continuation: continuation
                    ) {
                        group.cancelAll()
                        await end(backend, launch: state.launch)
                        return ending
                    }
                }
                schedule(machine.nextDeadline, state: &state, group: &group, continuation: continuation)
                guard let input = await inputs.next() else { break }
                actions = handle(input, machine: &machine, state: &state, backend: backend)
            }
            return .failure(ProcessError(.internalFailure, "run: the supervisor's inputs ended before the command."))
        }
        return try ending.get()
    }

    // MARK: - Inputs

    private func handle(
        _ input: Input,
        machine: inout Supervisor,
        state: inout Running,
        backend: LeaseKeeper
    ) -> [Supervisor.Action] {
        switch input {
        case .signal(SIGCHLD, _):
            let status = adoptsOrphans ? Reaper.reapAll(reporting: state.child) : Reaper.reap(state.child)
            guard let status else { return [] }
            return machine.handle(.childExited(status), now: now())
        case .signal(let signal, let fromTerminal):
            return machine.handle(.signal(signal, fromTerminal: fromTerminal), now: now())
        case .tick:
            let time = now()
            if let timerAt = state.timerAt, timerAt <= time { state.timerAt = nil }
            return machine.handle(.tick, now: time)
        case .prepared(.success(let fresh), let reissued):
            let outcome: Supervisor.RefreshOutcome
            if fresh.hasSameContent(as: state.latest) {
                outcome = .unchanged
            } else {
                let commandEnvironment = !ServiceLaunch(commandEnvironment: fresh.commandEnvironment)
                    .hasSameContent(as: ServiceLaunch(commandEnvironment: state.launch.commandEnvironment))
                outcome = .changed(commandEnvironment: commandEnvironment)
                note("the secrets changed (\(commandEnvironment ? "environment" : "files only")).")
            }
            state.latest = fresh
            return machine.handle(.refreshed(outcome, leases: backend.leases, reissued: reissued), now: now())
        case .prepared(.failure(let error), _):
            note(
                "re-reading the secrets failed; the command keeps its values: \(error.problems.joined(separator: "; "))"
            )
            return machine.handle(.refreshed(.failed, leases: backend.leases, reissued: []), now: now())
        case .event(let event):
            return machine.handle(event, now: now())
        }
    }

    // MARK: - Actions

    /// Performs one action; returns how cfg ends when it must.
    private func perform(
        _ action: Supervisor.Action,
        state: inout Running,
        backend: LeaseKeeper,
        mask: sigset_t,
        group: inout TaskGroup<Void>,
        continuation: AsyncStream<Input>.Continuation
    ) -> Result<ChildExit, any Error>? {
        switch action {
        case .spawn:
            do {
                try state.latest.writeFiles()
                let child = try ChildProcess.spawn(command(state.latest), signalMask: mask, as: "run")
                note("restarted the command with the new values (pid \(child.pid)).")
                state.child = child
                state.launch = state.latest
            } catch {
                return .failure(error)
            }
        case .forward(let signal):
            state.child.send(signal)
        case .stop(let signal):
            note("stopping the command (pid \(state.child.pid)) to restart it with the new values.")
            state.child.send(signal)
        case .kill:
            note("the command (pid \(state.child.pid)) outlived run.stop_timeout; killing it.")
            state.child.send(SIGKILL)
        case .reload(let signal):
            do {
                try state.latest.writeFiles()
            } catch {
                note("rewriting the secret files failed: \(error.problems.joined(separator: "; "))")
                return nil
            }
            state.launch = state.latest
            state.child.send(signal)
        case .refresh(let reissue):
            group.addTask { [prepare] in
                backend.invalidate(reissue)
                // A separate function builds the Result: a typed-throws `do` inside a task-group closure is
                // miscompiled by Swift 6.3.1 in release builds.
                let result = await Self.prepared(backend, prepare)
                continuation.yield(.prepared(result, reissued: reissue))
            }
        case .renew(let path, let lease, let increment):
            guard let leasing = backend.leasing else { return nil }
            group.addTask { [self] in
                switch await Self.result({ () async throws(BackendError) in
                    try await leasing.renew(lease, increment: increment)
                }) {
                case .success(let renewed):
                    backend.update(renewed, at: path)
                    logger.debug("renewed lease", metadata: ["path": "\(path)", "ttl": "\(renewed.duration)"])
                    continuation.yield(.event(.leaseRenewed(path, renewed)))
                case .failure(let error):
                    // Cancelled because cfg is ending: nothing to report.
                    guard !Task.isCancelled else { return }
                    note("renewing the lease of '\(path)' failed: \(error)")
                    continuation.yield(.event(.leaseRenewalFailed(path)))
                }
            }
        case .renewSession:
            guard let leasing = backend.leasing else { return nil }
            group.addTask { [self] in
                switch await Self.result({ () async throws(BackendError) in try await leasing.renewSession() }) {
                case .success(let next):
                    continuation.yield(.event(.sessionRenewed(next: next)))
                case .failure(let error):
                    guard !Task.isCancelled else { return }
                    note("renewing the backend session failed: \(error)")
                    continuation.yield(.event(.sessionRenewalFailed))
                }
            }
        case .revokeRetired:
            guard let leasing = backend.leasing else { return nil }
            let retired = backend.takeRetired()
            guard !retired.isEmpty else { return nil }
            group.addTask {
                for lease in retired { try? await leasing.revoke(lease) }
            }
        case .exit(let status):
            return .success(status)
        }
        return nil
    }

    /// Makes sure a timer wakes the loop at `deadline` (a timer already set for an earlier time does).
    private func schedule(
        _ deadline: Date?,
        state: inout Running,
        group: inout TaskGroup<Void>,
        continuation: AsyncStream<Input>.Continuation
    ) {
        guard let deadline else { return }
        if let timerAt = state.timerAt, timerAt <= deadline { return }
        state.timerAt = deadline
        let delay = max(0, deadline.timeIntervalSince(now()))
        group.addTask {
            try? await Task.sleep(for: .milliseconds(Int64((delay * 1000).rounded(.up))))
            continuation.yield(.tick)
        }
    }

    // MARK: - Steps

    /// The command with the environment of `launch`.
    private func command(_ launch: ServiceLaunch) -> Command {
        Command(arguments: arguments, environment: launch.commandEnvironment)
    }

    /// A backend call's outcome as a `Result`, built outside the task-group closure that awaits it (see above).
    private static func result<T>(
        _ body: () async throws(BackendError) -> T
    ) async -> Result<T, BackendError> {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }

    private static func prepared(_ backend: LeaseKeeper, _ prepare: Prepare) async -> Result<ServiceLaunch, EngineError>
    {
        do {
            return .success(try await prepare(backend))
        } catch {
            return .failure(error)
        }
    }

    /// Revokes every lease, ends the backend's session and removes the secret files.
    private func end(_ backend: LeaseKeeper, launch: ServiceLaunch?) async {
        if let leasing = backend.leasing {
            for lease in backend.takeAll() { try? await leasing.revoke(lease) }
        }
        await backend.close()
        launch?.removeFiles()
    }

    /// One line about what the supervisor did.
    private func note(_ line: String) { report("run: " + line) }
}
