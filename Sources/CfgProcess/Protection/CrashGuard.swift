internal import CProcess

/// What a crash of cfg may reveal, closed first thing in `main` (issue 11): a core file would hold every secret
/// fetched, and the Swift runtime's backtracer prints cfg's internals (and lets a `kill -ABRT` pass).
///
/// ``engage()`` sets cfg's own soft core limit to 0, marks the process non-dumpable, and installs C handlers for
/// the fatal signals (SEGV, BUS, ILL, FPE, ABRT, TRAP) that print one fixed line and end cfg by that signal. The
/// command cfg starts gets the core limit cfg was started with: `cfg exec` restores it right before `execve`
/// (``Command/exec(as:)``), and `cfg run` restores it in the child between fork and `execve`
/// (``ChildProcess/spawn(_:signalMask:as:)``). `execve` makes the command dumpable again (the kernel resets it for
/// a program that is not set-user-ID) and resets the handlers.
package enum CrashGuard {
    /// Applies the protections. A step that fails (none can for an ordinary process) leaves the others in place;
    /// cfg does not stop for it.
    package static func engage() {
        _ = cfg_protect_process()
    }

    /// Only the first of ``engage()``'s steps: saves the soft core limit the process has now, as the one the
    /// commands it starts get, and sets its own to 0.
    package static func limitCoreDumps() {
        _ = cfg_limit_core_dumps()
    }

    /// The core limit the process was started with, for the command it is about to become.
    package static func restoreCoreLimit() {
        cfg_restore_core_limit()
    }

    /// A core limit of 0 again, when `execve` failed and cfg goes on.
    package static func forbidCoreDumps() {
        cfg_forbid_core_dumps()
    }
}
