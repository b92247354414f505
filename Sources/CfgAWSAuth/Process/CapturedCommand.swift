internal import CProcess
import CfgSecure
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Runs a command and reads its stdout into guarded memory: how `credential_process` helpers are started.
///
/// The child is started by `cfg_spawn_captured` (CProcess), not Foundation's `Process`, because a helper must be
/// stoppable with everything it started, and its exit status must not be lost:
/// - it leads its own process group, so a timeout stops the helper and its descendants (which would otherwise keep
///   the pipe open); `Process` cannot start one;
/// - every descriptor of cfg's but 0-2 is closed on execve, whether or not it was opened close-on-exec;
/// - stdin is /dev/null: cfg may be reading a value from its own stdin;
/// - stderr is cfg's stderr, so the helper's own messages (a login prompt, "session expired") reach the user as they
///   do under the AWS CLI, and never pass through cfg's errors;
/// - every wait polls with `WNOHANG` for this PID only (never blocking the cooperative pool), and a status taken by
///   someone else (`cfg run` reaps every child with `waitpid(-1)`) is reported as ``Status/lost``, not a hang.
///
/// Nothing of argv or the environment is secret by contract (the chain never puts a credential there); the C copies
/// are zeroed all the same, as the process layer does.
struct CapturedCommand: Sendable {
    /// How the command ended.
    enum Status: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
        /// Another part of cfg reaped it first; its output is all there is to judge.
        case lost
    }

    /// Why it gave no output to judge.
    enum Failure: Error, Equatable {
        /// The program is not on `PATH` or does not exist.
        case notFound
        /// It exists but cannot be executed (the errno of execve).
        case cannotStart(Int32)
        /// It ran longer than the timeout and was stopped.
        case timedOut
        /// It wrote more than the limit to stdout and was stopped.
        case outputTooLarge
    }

    /// argv; the first word is the program (a path, or a name looked up in `PATH`).
    var arguments: [String]
    /// The child's whole environment.
    var environment: [String: String]
    var timeout: Duration
    var maxOutputBytes: Int
    /// How long a stopped command has between SIGTERM and SIGKILL.
    var grace: Duration = .seconds(1)

    /// The program's path: the word itself when it holds a `/`, else the first executable regular file of that name
    /// in the environment's `PATH` (`/usr/local/bin:/usr/bin:/bin` when unset), as `execvp` finds it.
    var executablePath: String? {
        guard let program = arguments.first, !program.isEmpty else { return nil }
        if program.contains("/") { return program }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + program
            var status = stat()
            if stat(candidate, &status) == 0, status.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }

    /// Runs the command until it closes stdout and ends, or the timeout.
    ///
    /// - Returns: how it ended and what it wrote to stdout.
    /// - Throws: ``Failure``; a command that was stopped has been reaped.
    func run() async throws(Failure) -> (status: Status, output: Secret) {
        guard let path = executablePath else { throw .notFound }
        let deadline = ContinuousClock.now + timeout
        var output: Int32 = -1
        var failure: Int32 = 0
        var mask = sigset_t()
        sigemptyset(&mask)
        let pid = withCVectors { argv, envp in
            cfg_spawn_captured(path, argv, envp, &mask, &output, &failure)
        }
        guard pid > 0 else {
            throw failure == ENOENT ? .notFound : .cannotStart(failure)
        }
        defer { close(output) }
        let buffer = SecureBuffer(capacity: 4096)
        switch await read(output, into: buffer, until: deadline) {
        case .endOfFile:
            break
        case .timedOut:
            await stop(pid)
            throw .timedOut
        case .tooLarge:
            await stop(pid)
            throw .outputTooLarge
        }
        guard let status = await wait(pid, until: deadline) else {
            await stop(pid)
            throw .timedOut
        }
        return (status, buffer.finish())
    }

    private enum ReadEnd {
        case endOfFile
        case timedOut
        case tooLarge
    }

    /// Reads `descriptor` (non-blocking) into `buffer` until end of file, the deadline or the size limit. The chunk
    /// buffer is zeroed after each read.
    private func read(
        _ descriptor: Int32,
        into buffer: SecureBuffer,
        until deadline: ContinuousClock.Instant
    ) async -> ReadEnd {
        var pause = Self.firstPause
        while true {
            let (count, errorNumber) = withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 1) { chunk in
                guard let base = chunk.baseAddress else { return (-1, EINVAL) }
                let count = Glibc.read(descriptor, base, chunk.count)
                let errorNumber = count < 0 ? errno : 0
                if count > 0 { buffer.append(UnsafeRawBufferPointer(start: base, count: count)) }
                explicit_bzero(base, chunk.count)
                return (count, errorNumber)
            }
            if count == 0 { return .endOfFile }
            if count > 0 {
                if buffer.count > maxOutputBytes { return .tooLarge }
                pause = Self.firstPause
                continue
            }
            if errorNumber == EINTR { continue }
            guard errorNumber == EAGAIN || errorNumber == EWOULDBLOCK else { return .endOfFile }
            guard ContinuousClock.now < deadline, !Task.isCancelled else { return .timedOut }
            await Self.pause(pause, until: deadline)
            pause = min(pause * 2, .milliseconds(32))
        }
    }

    /// Reaps `pid` once it has ended; nil when it still runs at the deadline.
    private func wait(_ pid: pid_t, until deadline: ContinuousClock.Instant) async -> Status? {
        var pause = Self.firstPause
        while true {
            if let status = reap(pid) { return status }
            guard ContinuousClock.now < deadline, !Task.isCancelled else { return nil }
            await Self.pause(pause, until: deadline)
            pause = min(pause * 2, .milliseconds(32))
        }
    }

    /// The status of `pid` if it has ended; nil while it runs.
    private func reap(_ pid: pid_t) -> Status? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import.
                let signal = status & 0x7F
                return signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
            }
            if result == 0 { return nil }
            if errno == EINTR { continue }
            return .lost
        }
    }

    /// SIGTERM to the command's group, SIGKILL once it ended or after ``grace``, then reaps it. While the command is
    /// an unreaped zombie its PID (the group's ID) cannot be reused, so the signals reach only its own group.
    private func stop(_ pid: pid_t) async {
        kill(-pid, SIGTERM)
        let graceEnds = ContinuousClock.now + grace
        var pause = Self.firstPause
        while cfg_child_ended(pid) == 0, ContinuousClock.now < graceEnds {
            await Self.pause(pause, until: graceEnds)
            pause = min(pause * 2, .milliseconds(32))
        }
        kill(-pid, SIGKILL)
        pause = Self.firstPause
        while reap(pid) == nil {
            await Self.pause(pause, until: .now + pause)
            pause = min(pause * 2, .milliseconds(32))
        }
    }

    private static let firstPause: Duration = .milliseconds(1)

    /// Sleeps for `duration`, or until `deadline` if that is sooner, off the cooperative pool's threads. Not
    /// cancellable (a cancelled `Task.sleep` returns at once and would make a poll spin): callers check cancellation.
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

    /// Calls `body` with argv and envp as `execve` takes them, zeroed and freed afterwards.
    private func withCVectors<Result>(
        _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>, UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result
    ) -> Result {
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp {
                if let pointer { explicit_bzero(pointer, strlen(pointer)) }
                free(pointer)
            }
        }
        return argv.withUnsafeBufferPointer { argv in
            envp.withUnsafeBufferPointer { envp in
                // Never nil: each array holds at least its terminating NULL.
                guard let argv = argv.baseAddress, let envp = envp.baseAddress else { preconditionFailure() }
                return body(argv, envp)
            }
        }
    }
}
