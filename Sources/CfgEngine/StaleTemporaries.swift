import CfgSecure

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The temporary files cfg writes next to an output (`.NAME.tmp-` followed by 16 lowercase hex digits): how they
/// are made, and how the ones a killed run left behind are found and removed.
enum StaleTemporaries {
    /// The part between the output's name and the random suffix.
    static let marker = ".tmp-"
    /// The number of hex digits in the random suffix.
    static let suffixLength = 16

    /// Whether `name` is a temporary of cfg's: `.` + a non-empty name + `.tmp-` + 16 lowercase hex digits.
    static func matches(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        let tail = marker.utf8.count + suffixLength
        guard bytes.count > 1 + tail, bytes[0] == UInt8(ascii: ".") else { return false }
        let suffix = bytes.suffix(suffixLength)
        let isHex = suffix.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        return isHex && Array(bytes.suffix(tail).prefix(marker.utf8.count)) == Array(marker.utf8)
    }

    /// Removes every entry of the open directory that matches the pattern and is a regular file (a link or a
    /// directory of that name is left alone; `unlinkat` never follows a link). Best effort: an entry that cannot
    /// be removed stays, and the render goes on.
    ///
    /// - Returns: the number of files removed.
    @discardableResult
    static func remove(in directory: Int32) -> Int {
        let copy = dup(directory)
        guard copy >= 0 else { return 0 }
        guard let stream = fdopendir(copy) else {
            close(copy)
            return 0
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                raw.baseAddress.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? ""
            }
            if matches(name) { names.append(name) }
        }
        var removed = 0
        for name in names {
            var info = stat()
            guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT == S_IFREG else {
                continue
            }
            if unlinkat(directory, name, 0) == 0 { removed += 1 }
        }
        return removed
    }

    /// Writes `bytes` to a new temporary for the output `name` in the open directory (`O_CREAT | O_EXCL |
    /// O_NOFOLLOW`, mode 0600 whatever the umask), and `fsync`s it.
    ///
    /// - Returns: the temporary's name, or what failed (the temporary is then removed).
    static func create(_ bytes: [UInt8], for name: String, in directory: Int32) -> Result<String, Failure> {
        var temporary = ""
        var fd: Int32 = -1
        for _ in 0..<16 {
            temporary = "." + name + marker + Hex.encode(SecureRandom.bytes(count: suffixLength / 2))
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
