internal import CProcess
import CfgEngine
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The command `cfg run` supervises: started with `posix_spawn`, signalled, reaped.
enum ChildProcess {
    /// Starts `path` with `arguments` and `environment`, in cfg's process group, with the signal mask cfg itself
    /// was started with (cfg's own threads block the signals it forwards; the command must not inherit that) and
    /// the core limit cfg was started with (cfg's own is 0).
    ///
    /// `posix_spawn` cannot set a resource limit in the child, and changing cfg's own limit around the call would
    /// let another thread crash with it; setting it on the child's PID afterwards (prlimit) races the command's
    /// start. So a small C function forks, and the child resets cfg's handlers, sets the limit and the mask, then
    /// calls `execve`; a failed `execve` comes back through a close-on-exec pipe.
    ///
    /// - Returns: the command's PID, or the `errno` of a failed start.
    static func spawn(
        _ path: String,
        arguments: [String],
        environment: [(name: String, value: String)],
        signalMask: sigset_t
    ) -> Result<pid_t, Errno> {
        var mask = signalMask
        // The values (secrets among them) become C strings only for the call that hands them to the command.
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.name)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var failure: Int32 = 0
        let pid = cfg_spawn(path, argv, envp, &mask, &failure)
        return pid > 0 ? .success(pid) : .failure(Errno(failure))
    }

    /// Reaps every child that has ended (orphans that were re-parented to cfg included) and returns how `child`
    /// ended, if it did.
    static func reap(child: pid_t) -> Supervisor.ExitStatus? {
        var report: Supervisor.ExitStatus?
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { break }
            guard pid == child else { continue }
            // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import (macros).
            let signal = status & 0x7f
            report = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
        }
        return report
    }

    /// Makes cfg the reaper of its descendants' orphans when it is not PID 1 (PID 1 is by nature).
    static func becomeSubreaper() {
        if getpid() != 1 { _ = cfg_become_child_subreaper() }
    }

    /// An `errno` value.
    struct Errno: Error {
        var code: Int32
        init(_ code: Int32) { self.code = code }
    }
}
