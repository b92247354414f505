internal import CProcess
import CfgSecure
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// A started hook: its PID (also its process group's ID) and the write end of its stdin pipe, which it owns.
///
/// Every wait polls (`waitpid` with `WNOHANG`, in pauses growing from 1 to 32 ms) instead of blocking a thread of the
/// cooperative pool, and the pipe is non-blocking for the same reason.
struct HookChild: ~Copyable {
    /// The hook's PID, and its process group's ID.
    let pid: Glibc.pid_t
    /// The write end of the hook's stdin; -1 once closed.
    private var input: Int32

    private init(pid: Glibc.pid_t, input: Int32) {
        self.pid = pid
        self.input = input
    }

    deinit {
        if input >= 0 { close(input) }
    }

    /// Starts `command` (see ``HookCommand``) with the signal mask cfg was started with.
    ///
    /// - Throws: `.commandNotFound` or `.commandNotExecutable`, whose description names the program and the reason.
    static func start(_ command: HookCommand) throws(ProcessError) -> HookChild {
        guard !command.program.isEmpty else {
            throw ProcessError(.commandNotFound, "hook: no command given.")
        }
        guard let path = command.executablePath else {
            throw .startFailure("hook", program: command.program, located: false, errorNumber: ENOENT)
        }
        var mask = SignalMask.startup ?? SignalMask.empty
        var input: Int32 = -1
        var failure: Int32 = 0
        let launch = Command(arguments: command.arguments, environment: command.environment)
        let pid = launch.withCVectors { argv, envp in
            cfg_spawn_hook(path, argv, envp, &mask, &input, &failure)
        }
        guard pid > 0 else {
            throw .startFailure("hook", program: command.program, located: true, errorNumber: failure)
        }
        return HookChild(pid: pid, input: input)
    }

    /// Writes `secret` to the hook's stdin, from its guarded memory, until all of it is written or the hook closed
    /// its end (EPIPE, which does not raise SIGPIPE in cfg). Returns false when `deadline` passed (or the task was
    /// cancelled) first: the hook does not read, and it is to be stopped.
    mutating func feed(_ secret: Secret, until deadline: ContinuousClock.Instant) async -> Bool {
        var offset = 0
        var pause = Self.firstPause
        while offset < secret.count {
            let descriptor = input
            let (written, errorNumber) = secret.withUnsafeBytes { bytes -> (Int, Int32) in
                guard let base = bytes.baseAddress else { return (0, 0) }
                let result = cfg_write_without_sigpipe(descriptor, base + offset, bytes.count - offset)
                return (result, result < 0 ? errno : 0)
            }
            if written > 0 {
                offset += written
                pause = Self.firstPause
                continue
            }
            if errorNumber == EINTR { continue }
            guard written == 0 || errorNumber == EAGAIN || errorNumber == EWOULDBLOCK else {
                // EPIPE: the hook closed its stdin (or ended); what it does without the rest is its business.
                return true
            }
            guard ContinuousClock.now < deadline, !Task.isCancelled else { return false }
            await Self.pause(pause, until: deadline)
            pause = Self.next(after: pause)
        }
        return true
    }

    /// Closes the hook's stdin, so it reads end of file.
    mutating func closeInput() {
        if input >= 0 { close(input) }
        input = -1
    }

    /// Waits for the hook to end until `deadline`, and reaps it. Nil when it still runs at `deadline` (or the task
    /// was cancelled).
    func outcome(until deadline: ContinuousClock.Instant) async -> HookOutcome? {
        var pause = Self.firstPause
        while true {
            if let outcome = reap() { return outcome }
            guard ContinuousClock.now < deadline, !Task.isCancelled else { return nil }
            await Self.pause(pause, until: deadline)
            pause = Self.next(after: pause)
        }
    }

    /// Stops a hook that outlived its timeout: SIGTERM to its process group, SIGKILL to the group once the hook has
    /// ended or `grace` has passed, then reaps it. The hook stays an unreaped zombie until the SIGKILL is sent, so its
    /// PID (the group's ID) cannot have been reused by then. Not cancellable: it returns only once the hook is reaped.
    func stop(grace: Duration) async -> HookOutcome {
        kill(-pid, SIGTERM)
        let graceEnds = ContinuousClock.now + grace
        var pause = Self.firstPause
        while cfg_child_ended(pid) == 0, ContinuousClock.now < graceEnds {
            await Self.pause(pause, until: graceEnds)
            pause = Self.next(after: pause)
        }
        kill(-pid, SIGKILL)
        pause = Self.firstPause
        while true {
            if let outcome = reap() {
                if case .couldNotStart = outcome { return outcome }
                return .timedOut
            }
            await Self.pause(pause, until: .now + pause)
            pause = Self.next(after: pause)
        }
    }

    /// Reaps the hook if it has ended; nil while it runs. A status that is lost (ECHILD: something else reaped it)
    /// is `.couldNotStart`, with no status to report.
    private func reap() -> HookOutcome? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return HookOutcome(ChildExit(waitStatus: status)) }
            if result == 0 { return nil }
            if errno == EINTR { continue }
            return .couldNotStart("hook: the exit status of process \(pid) was lost (another part of cfg reaped it).")
        }
    }

    private static let firstPause: Duration = .milliseconds(1)

    /// The next pause of a poll: twice as long, at most 32 ms.
    private static func next(after pause: Duration) -> Duration {
        min(pause * 2, .milliseconds(32))
    }

    /// Sleeps for `duration`, or until `deadline` if that is sooner. Not cancellable (unlike `Task.sleep`, which
    /// returns at once in a cancelled task and would turn a poll into a busy loop): callers check cancellation.
    private static func pause(_ duration: Duration, until deadline: ContinuousClock.Instant) async {
        let remaining = ContinuousClock.now.duration(to: deadline)
        let length = max(min(duration, remaining), .zero)
        let (seconds, attoseconds) = length.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) {
                continuation.resume()
            }
        }
    }
}
