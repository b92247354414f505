#if canImport(Glibc)
import Glibc
#endif

/// Whether /proc is mounted, which cfg cannot run without on Linux.
///
/// Swift's concurrency runtime runs on libdispatch, whose thread pool checks its workers' state in
/// `/proc/<tid>/stat` once a second while work is queued, and stops the process with SIGILL when it cannot open it.
/// Without /proc (a bare chroot, a container that does not mount it) cfg would crash at random, and before that
/// `CommandLine.arguments`, which reads /proc/self/cmdline, would have found no arguments and shown the help. So cfg
/// checks first, and refuses to run with one line and its own exit code.
package enum ProcFileSystem {
    /// The file the check reads: the process's own entry, readable wherever /proc is mounted.
    static let probe = "/proc/self/stat"

    /// True when /proc is mounted (the process's own `stat` entry is readable).
    package static var isMounted: Bool {
        access(probe, R_OK) == 0
    }
}
