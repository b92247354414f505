import ArgumentParser
import CfgBackend
import CfgConfig
import CfgEngine
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Drives the ``Supervisor`` state machine for `cfg run` with the real world: the command as a child process, the
/// signals cfg receives, the backend (through a ``LeaseKeeper``), and the clock.
///
/// Everything arrives as one stream of inputs (signals from the signal thread, the timer, finished backend work),
/// handled one at a time, so the machine's state needs no lock.
struct SupervisorLoop {
    var context: Context
    var service: String?
    var arguments: [String]
    var now: @Sendable () -> Date = { Date() }

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
        var pid: pid_t
        /// What the command runs with, and the newest values read.
        var launch: ServiceLaunch
        var latest: ServiceLaunch
        /// The earliest deadline a timer is sleeping until.
        var timerAt: Date?
    }

    /// Runs the command to its end; returns cfg's exit code.
    func run() async -> Int32 {
        guard let startupMask = SignalPump.startupMask else { return 70 }
        ChildProcess.becomeSubreaper()

        let backend: LeaseKeeper
        let launch: ServiceLaunch
        do {
            backend = LeaseKeeper(
                try BackendFactory.make(
                    for: context.environment,
                    processEnvironment: context.processEnvironment,
                    logger: context.logger
                )
            )
        } catch {
            return report(error)
        }
        do {
            launch = try await prepare(backend)
            try launch.writeFiles()
        } catch {
            await end(backend, launch: nil)
            return report(error)
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Input.self)
        guard SignalPump.start({ continuation.yield(.signal($0, fromTerminal: $1)) }) else {
            Terminal.error("run: cannot install the signal handlers (\(String(cString: strerror(errno)))).")
            await end(backend, launch: launch)
            return 71
        }
        let pid: pid_t
        switch start(launch, mask: startupMask) {
        case .success(let started): pid = started
        case .failure(let code):
            await end(backend, launch: launch)
            return code.rawValue
        }
        var machine = Supervisor(policy: policy)
        var state = Running(pid: pid, launch: launch, latest: launch)
        return await withTaskGroup(of: Void.self) { group in
            var actions = machine.handle(
                .started(leases: backend.leases, leasing: backend.leasing != nil),
                now: now()
            )
            var inputs = stream.makeAsyncIterator()
            while true {
                for action in actions {
                    if let code = perform(
                        action,
                        state: &state,
                        backend: backend,
                        mask: startupMask,
                        group: &group,
                        continuation: continuation
                    ) {
                        group.cancelAll()
                        await end(backend, launch: state.launch)
                        return code
                    }
                }
                schedule(machine.nextDeadline, state: &state, group: &group, continuation: continuation)
                guard let input = await inputs.next() else { break }
                actions = handle(input, machine: &machine, state: &state, backend: backend)
            }
            return 70
        }
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
            guard let status = ChildProcess.reap(child: state.pid) else { return [] }
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
                let environment = !ServiceLaunch(environment: fresh.environment)
                    .hasSameContent(as: ServiceLaunch(environment: state.launch.environment))
                outcome = .changed(environment: environment)
                note("the secrets changed (\(environment ? "environment" : "files only")).")
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

    /// Performs one action; returns an exit code when cfg must end.
    private func perform(
        _ action: Supervisor.Action,
        state: inout Running,
        backend: LeaseKeeper,
        mask: sigset_t,
        group: inout TaskGroup<Void>,
        continuation: AsyncStream<Input>.Continuation
    ) -> Int32? {
        switch action {
        case .spawn:
            do {
                try state.latest.writeFiles()
            } catch {
                return report(error)
            }
            switch start(state.latest, mask: mask) {
            case .success(let pid):
                note("restarted the command with the new values (pid \(pid)).")
                state.pid = pid
                state.launch = state.latest
            case .failure(let code):
                return code.rawValue
            }
        case .forward(let signal):
            kill(state.pid, signal)
        case .stop(let signal):
            note("stopping the command (pid \(state.pid)) to restart it with the new values.")
            kill(state.pid, signal)
        case .kill:
            note("the command (pid \(state.pid)) outlived run.stop_timeout; killing it.")
            kill(state.pid, SIGKILL)
        case .reload(let signal):
            do {
                try state.latest.writeFiles()
            } catch {
                note("rewriting the secret files failed: \(error.problems.joined(separator: "; "))")
                return nil
            }
            state.launch = state.latest
            kill(state.pid, signal)
        case .refresh(let reissue):
            group.addTask { [context, service, arguments] in
                backend.invalidate(reissue)
                // A separate function builds the Result: a typed-throws `do` inside a task-group closure is
                // miscompiled by Swift 6.3.1 in release builds.
                let result = await Self.prepared(backend, context: context, service: service, arguments: arguments)
                continuation.yield(.prepared(result, reissued: reissue))
            }
        case .renew(let path, let lease, let increment):
            guard let leasing = backend.leasing else { return nil }
            group.addTask { [logger = context.logger] in
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
                    Self.note("renewing the lease of '\(path)' failed: \(error)")
                    continuation.yield(.event(.leaseRenewalFailed(path)))
                }
            }
        case .renewSession:
            guard let leasing = backend.leasing else { return nil }
            group.addTask {
                switch await Self.result({ () async throws(BackendError) in try await leasing.renewSession() }) {
                case .success(let next):
                    continuation.yield(.event(.sessionRenewed(next: next)))
                case .failure(let error):
                    guard !Task.isCancelled else { return }
                    Self.note("renewing the backend session failed: \(error)")
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
        case .exit(let code):
            return code
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

    private func prepare(_ backend: LeaseKeeper) async throws(EngineError) -> ServiceLaunch {
        try await Self.prepare(backend, context: context, service: service, arguments: arguments)
    }

    private static func prepare(
        _ backend: LeaseKeeper,
        context: Context,
        service: String?,
        arguments: [String]
    ) async throws(EngineError) -> ServiceLaunch {
        try await ServiceLaunch.prepare(
            environment: context.environment,
            service: service,
            backend: backend,
            processEnvironment: context.processEnvironment,
            logger: context.logger,
            arguments: arguments,
            argMax: sysconf(Int32(_SC_ARG_MAX))
        )
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

    private static func prepared(
        _ backend: LeaseKeeper,
        context: Context,
        service: String?,
        arguments: [String]
    ) async -> Result<ServiceLaunch, EngineError> {
        do {
            return .success(try await prepare(backend, context: context, service: service, arguments: arguments))
        } catch {
            return .failure(error)
        }
    }

    /// Starts the command; on failure returns exit code 127 (not found) or 126 (cannot run), having said why.
    private func start(_ launch: ServiceLaunch, mask: sigset_t) -> Result<pid_t, ExitCode> {
        guard let program = arguments.first else { return .failure(ExitCode(ExecCommand.notFound)) }
        let path = ExecCommand.locate(program, path: launch.environment.first { $0.name == "PATH" }?.value)
        switch ChildProcess.spawn(
            path ?? program,
            arguments: arguments,
            environment: launch.environment,
            signalMask: mask
        )
        {
        case .success(let pid):
            return .success(pid)
        case .failure(let error):
            return .failure(
                ExecCommand.startFailure("run", program: program, located: path != nil, errorNumber: error.code)
            )
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

    private func report(_ error: EngineError) -> Int32 {
        for problem in error.problems { Terminal.error(problem) }
        return ExitCodes.code(for: error)
    }

    private func note(_ line: String) { Self.note(line) }

    /// One line on stderr about what the supervisor did: names, paths and PIDs only, never a value.
    private static func note(_ line: String) { Terminal.error("run: " + line) }

    /// The environment file's `run:` as the machine's policy.
    var policy: Supervisor.Policy {
        let run = context.environment.run
        let onChange: Supervisor.OnChange =
            switch run.onChange {
            case .restart: .restart
            case .signal(let name): .signal(Self.number(of: name))
            case .none: .none
            }
        return Supervisor.Policy(
            refresh: run.refresh.map { .seconds($0) },
            onChange: onChange,
            debounce: .seconds(run.debounce),
            stopSignal: Self.number(of: run.stopSignal),
            stopTimeout: .seconds(run.stopTimeout),
            terminating: [SIGTERM, SIGINT, SIGQUIT]
        )
    }

    static func number(of name: SignalName) -> Int32 {
        switch name {
        case .hup: SIGHUP
        case .int: SIGINT
        case .quit: SIGQUIT
        case .usr1: SIGUSR1
        case .usr2: SIGUSR2
        case .term: SIGTERM
        case .winch: SIGWINCH
        case .kill: SIGKILL
        }
    }
}
