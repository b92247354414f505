internal import CProcess

#if canImport(Glibc)
import Glibc
#endif

/// Collects ended children, so none is left a zombie, and reports how the command ended.
package enum Reaper {
    /// Makes this process the reaper of its descendants' orphans when it is not PID 1 (PID 1 is by nature).
    package static func becomeSubreaper() {
        if getpid() != 1 { _ = cfg_become_child_subreaper() }
    }

    /// Reaps every child that has ended (orphans that were re-parented to this process included) and returns how
    /// `command` ended, if it did. Only for a process whose every child is its own business (`cfg run`): it takes
    /// the status of children that other code started too.
    package static func reapAll(reporting command: ChildProcess) -> ChildExit? {
        var report: ChildExit?
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { break }
            if pid == command.pid { report = ChildExit(waitStatus: status) }
        }
        return report
    }

    /// Reaps `command` if it has ended, and returns how; other children are left alone.
    package static func reap(_ command: ChildProcess) -> ChildExit? {
        var status: Int32 = 0
        guard waitpid(command.pid, &status, WNOHANG) == command.pid else { return nil }
        return ChildExit(waitStatus: status)
    }
}
