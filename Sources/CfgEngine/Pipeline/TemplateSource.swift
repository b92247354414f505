import CfgSecure
import CfgTemplate

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads template files: regular files of at most ``TemplateLimits/maximumSourceBytes``, as UTF-8 text.
///
/// A template path can name anything: a FIFO would block a plain read forever and `/dev/zero` would
/// never end, so the file is opened without blocking, must be a regular file, and is read only up to
/// one byte past the limit.
enum TemplateSource {
    /// Why a template file could not be read; each says it without the file's content.
    enum Failure: Error, Equatable {
        case missing
        case notRegularFile
        case tooLarge
        case notText
        /// Any other failure to open or read, with `errno`.
        case unreadable(Int32)

        /// The end of a sentence starting with `template 'PATH'`.
        var message: String {
            switch self {
            case .missing:
                return "does not exist"
            case .notRegularFile:
                return "is not a regular file"
            case .tooLarge:
                return "is larger than \(TemplateLimits.maximumSourceBytes >> 20) MiB; split it into several templates"
            case .notText:
                return "is not readable UTF-8 text"
            case .unreadable(let number):
                return "cannot be read (\(String(cString: strerror(number))))"
            }
        }
    }

    /// The text of the template file at `path`.
    static func text(atPath path: String) -> Result<String, Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { return .failure(errno == ENOENT ? .missing : .unreadable(errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(.unreadable(errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else { return .failure(.notRegularFile) }
        let limit = TemplateLimits.maximumSourceBytes
        guard info.st_size <= limit else { return .failure(.tooLarge) }
        // The file may still grow between fstat and read: read one byte past the limit to see it.
        let bytes: [UInt8]
        switch Descriptor.read(fd, upTo: limit + 1, sizeHint: Int(info.st_size)) {
        case .success(let read): bytes = read
        case .failure(let failure): return .failure(.unreadable(failure.errno))
        }
        guard bytes.count <= limit else { return .failure(.tooLarge) }
        guard let text = String(validating: bytes, as: UTF8.self) else { return .failure(.notText) }
        return .success(text)
    }
}
