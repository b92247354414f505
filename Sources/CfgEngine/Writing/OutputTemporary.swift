import CfgSecure

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The temporary a render writes next to an output before the set is switched (`.NAME.tmp-` followed by 16
/// lowercase hex digits, the pattern ``AtomicFile/isTemporary(_:)`` recognises, so a killed run's leftovers are
/// removed by ``StaleTemporaries/remove(in:where:)``).
enum OutputTemporary {
    /// Writes `bytes` to a new temporary for the output `name` in the open directory (`O_CREAT | O_EXCL |
    /// O_NOFOLLOW`, mode 0600 whatever the umask), and `fsync`s it.
    ///
    /// - Returns: the temporary's name, or what failed (the temporary is then removed).
    static func create(_ bytes: [UInt8], for name: String, in directory: Int32) -> Result<String, Failure> {
        var temporary = ""
        var fd: Int32 = -1
        for _ in 0..<16 {
            temporary = "." + name + ".tmp-" + Hex.encode(SecureRandom.bytes(count: 8))
            fd = openat(directory, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { return .failure(Failure(action: "create a temporary file for", errno: errno)) }
        var failure: Failure?
        if fchmod(fd, 0o600) != 0 {
            failure = Failure(action: "set permissions on the temporary file for", errno: errno)
        } else {
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { buffer in
                    write(fd, buffer.baseAddress.map { $0 + offset }, bytes.count - offset)
                }
                if written < 0, errno == EINTR { continue }
                guard written > 0 else {
                    failure = Failure(action: "write the temporary file for", errno: written == 0 ? EIO : errno)
                    break
                }
                offset += written
            }
        }
        if failure == nil {
            while fsync(fd) != 0 {
                if errno == EINTR { continue }
                failure = Failure(action: "flush the temporary file for", errno: errno)
                break
            }
        }
        if close(fd) != 0, failure == nil, errno != EINTR {
            failure = Failure(action: "write the temporary file for", errno: errno)
        }
        if let failure {
            unlinkat(directory, temporary, 0)
            return .failure(failure)
        }
        return .success(temporary)
    }

    /// What failed while preparing a temporary, and the system's reason.
    struct Failure: Error {
        var action: String
        var errno: Int32

        /// `Could not ACTION "PATH": REASON.`
        func line(_ path: String) -> String {
            "Could not \(action) \"\(path)\": \(String(cString: strerror(errno)))"
        }
    }
}
