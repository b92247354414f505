internal import CProcess

#if canImport(Glibc)
package import Glibc
#endif

/// A command started as a child of this process (by `cfg run`), in this process's group: its PID, and the signals
/// sent to it.
package struct ChildProcess: Sendable, Hashable {
    package let pid: Glibc.pid_t

    package init(pid: Glibc.pid_t) {
        self.pid = pid
    }

    /// Starts `command` with the signal mask `signalMask` (cfg's own threads block the signals it forwards; the
    /// command must not inherit that) and the core limit the process was started with (cfg's own is 0, see
    /// ``CrashGuard``).
    ///
    /// `posix_spawn` cannot set a resource limit in the child, and changing cfg's own limit around the call would
    /// let another thread crash with it; setting it on the child's PID afterwards (prlimit) races the command's
    /// start. So a small C function forks, and the child resets cfg's handlers, sets the limit and the mask, then
    /// calls `execve`; a failed `execve` comes back through a close-on-exec pipe.
    ///
    /// - Parameter operation: the cfg command that starts it, which leads the error's message.
    /// - Throws: `.commandNotFound` or `.commandNotExecutable`, with the `errno` of the failed start.
    package static func spawn(
        _ command: Command,
        signalMask: Glibc.sigset_t,
        as operation: String
    ) throws(ProcessError) -> ChildProcess {
        let path = command.executablePath
        var mask = signalMask
        var failure: Int32 = 0
        let pid = command.withCVectors { argv, envp in
            cfg_spawn(path ?? command.program, argv, envp, &mask, &failure)
        }
        guard pid > 0 else {
            throw .startFailure(operation, program: command.program, located: path != nil, errorNumber: failure)
        }
        return ChildProcess(pid: pid)
    }

    /// Sends `signal` to the command.
    package func send(_ signal: Int32) {
        kill(pid, signal)
    }
}
