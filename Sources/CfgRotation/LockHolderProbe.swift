import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// Tells whether the run named in a lock record is gone, so a rotation killed on this machine (`kill -9`, an OOM kill)
/// does not block the next run on it until the lock expires.
///
/// A holder counts as gone only when it was certainly started on this host in this PID namespace (the owner string
/// says both) and no process with its PID exists. Anything else (another host or container, an owner string of an
/// older format, a PID that exists, even reused by another program) counts as alive, so the probe can only make a run
/// wait for the expiry, never take a live run's lock.
package enum LockHolderProbe {
    /// This process's identity for a lock record: `host/pid/random/pidns`.
    package static func owner(random: String) -> String {
        "\(ProcessInfo.processInfo.hostName)/\(getpid())/\(random)/\(pidNamespace() ?? "-")"
    }

    /// Whether the holder named by `owner` is certainly gone.
    package static func isGone(_ owner: String) -> Bool {
        let parts = owner.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, let pid = Int32(parts[1]), pid > 0,
            String(parts[0]) == ProcessInfo.processInfo.hostName,
            let namespace = pidNamespace(), String(parts[3]) == namespace
        else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// The PID namespace's identity (`pid:[4026531836]`), nil where it cannot be read.
    static func pidNamespace() -> String? {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = readlink("/proc/self/ns/pid", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .replacing("/", with: "_")
    }
}
