import CfgTestSupport
import Foundation
import Synchronization
import Testing

@testable import CfgProcess

#if canImport(Glibc)
import Glibc
#endif

/// cfg's own core limit is 0, and the commands it starts get back the one it was started with.
///
/// Only the core-limit step of ``CrashGuard/engage()`` runs here: the test runner keeps its own crash handlers. The
/// limits are the process's, so every test that changes them holds ``Child/coreLimitLock``.
struct CrashGuardTests {
    static var coreLimit: rlimit {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_CORE.rawValue), &limit)
        return limit
    }

    static func setCoreLimit(_ limit: rlimit) {
        var limit = limit
        setrlimit(Int32(RLIMIT_CORE.rawValue), &limit)
    }

    /// Needs a hard limit above 0, to start from a soft limit that is not 0.
    @Test(.enabled(if: coreLimit.rlim_max > 0))
    func commandGetsTheCoreLimitTheProcessWasStartedWith() throws {
        try Child.coreLimitLock.withLock { _ in
            try Child.withDirectory { directory in
                let original = Self.coreLimit
                defer {
                    // What the children of later tests get back is the runner's own limit again.
                    Self.setCoreLimit(original)
                    CrashGuard.limitCoreDumps()
                    Self.setCoreLimit(original)
                }
                var raised = original
                raised.rlim_cur = original.rlim_max
                Self.setCoreLimit(raised)
                let before = try coreLimitOfACommand(in: directory)
                #expect(before != "0")

                CrashGuard.limitCoreDumps()
                #expect(Self.coreLimit.rlim_cur == 0)
                #expect(try coreLimitOfACommand(in: directory) == before)

                // What `cfg exec` does around `execve`: the startup limit for the command, 0 again if cfg goes on.
                CrashGuard.restoreCoreLimit()
                #expect(Self.coreLimit.rlim_cur == raised.rlim_cur)
                CrashGuard.forbidCoreDumps()
                #expect(Self.coreLimit.rlim_cur == 0)

                var mask = sigset_t()
                pthread_sigmask(SIG_BLOCK, nil, &mask)
                let error = Command(arguments: [directory + "/missing"], environment: []).exec(as: "exec")
                pthread_sigmask(SIG_SETMASK, &mask, nil)
                #expect(error.code == .commandNotFound)
                #expect(Self.coreLimit.rlim_cur == 0)
            }
        }
    }

    /// `ulimit -c` as a command started by ``ChildProcess/spawn(_:signalMask:as:)`` prints it. The command ends at
    /// once: waiting for it blocks this thread only briefly.
    private func coreLimitOfACommand(in directory: String) throws -> String {
        let out = directory + "/ulimit"
        let child = try Child.spawn(Child.shell("ulimit -c > \(out)"))
        var status: Int32 = 0
        #expect(waitpid(child.pid, &status, 0) == child.pid)
        #expect(ChildExit(waitStatus: status) == .exited(0))
        return Child.read(out).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
