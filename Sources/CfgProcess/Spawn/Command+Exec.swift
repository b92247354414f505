#if canImport(Glibc)
import Glibc
#endif

extension Command {
    /// Replaces this process with the command (`execve`): same PID, so signals, the exit status and PID 1 belong to
    /// the command. Returns only when `execve` failed, with the reason (named after the cfg command `operation`).
    ///
    /// Right before `execve` the calling thread gets the signal mask the process was started with (`execve` keeps
    /// the caller's, and a concurrency worker thread blocks almost every signal: the command would never see
    /// SIGTERM), and the process the core limit it was started with (``CrashGuard``); the limit is 0 again when
    /// `execve` failed.
    package func exec(as operation: String) -> ProcessError {
        let path = executablePath
        fflush(nil)
        SignalMask.restoreStartup()
        let errorNumber = withCVectors { argv, envp in
            CrashGuard.restoreCoreLimit()
            execve(path ?? program, argv, envp)
            let failure = errno
            CrashGuard.forbidCoreDumps()
            return failure
        }
        return .startFailure(operation, program: program, located: path != nil, errorNumber: errorNumber)
    }
}
