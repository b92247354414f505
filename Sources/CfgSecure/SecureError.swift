#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The one error type of CfgSecure, for both cryptographic and file failures.
///
/// `code` is a closed set so callers (and the executable's exit-code mapping) can switch on it;
/// equality compares `code` only, so tests assert the kind of failure. `description` is the
/// sentence a user reads. It may name a path and the system's error text, never a secret value
/// (nothing secret is ever passed to the initialisers).
///
/// `CryptoError` and `FileError` are aliases of this type, so code written against either name
/// keeps compiling.
package struct SecureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    package enum Code: Sendable, Equatable, Hashable {
        /// An AEAD box did not verify: wrong key, wrong associated data, truncated or tampered.
        case authenticationFailed
        /// A parameter is unusable (wrong key length, impossible password policy, ...).
        case invalidInput
        /// Text is not valid in the expected encoding (for example strict Base64).
        case invalidEncoding
        /// A file or one of its parent directories does not exist.
        case notFound
        /// The operating system refused access to a file or directory.
        case permissionDenied
        /// Any other input/output failure.
        case io
    }

    /// The kind of failure.
    package let code: Code
    /// The file the failure is about, if any.
    package let path: String?
    /// The `errno` value behind a file failure, if any.
    package let systemErrorNumber: Int32?
    /// The one-line sentence a user reads.
    package let description: String

    /// Creates an error with a ready-made sentence. The message must not contain a secret value.
    package init(_ code: Code, _ description: String, path: String? = nil, systemErrorNumber: Int32? = nil) {
        self.code = code
        self.description = description
        self.path = path
        self.systemErrorNumber = systemErrorNumber
    }

    /// Equality on `code` only.
    package static func == (lhs: SecureError, rhs: SecureError) -> Bool {
        lhs.code == rhs.code
    }

    /// An AEAD box that did not verify.
    static let authenticationFailed = SecureError(
        .authenticationFailed,
        "Decryption failed: the data was modified, truncated, or sealed with a different key or associated data."
    )

    /// Builds a file error from an `errno` value.
    ///
    /// - Parameters:
    ///   - action: what was attempted, as a verb phrase ("read", "write", "lock", ...).
    ///   - path: the path involved.
    ///   - errorNumber: the `errno` value.
    static func file(_ action: String, _ path: String, errno errorNumber: Int32) -> SecureError {
        let code: Code
        let hint: String
        switch errorNumber {
        case ENOENT, ENOTDIR:
            code = .notFound
            hint = "Check that the path exists."
        case EACCES, EPERM, EROFS:
            code = .permissionDenied
            hint = "Check the permissions of the file and its directory."
        default:
            code = .io
            hint = "Check the file system."
        }
        let reason = String(cString: strerror(errorNumber))
        return SecureError(
            code,
            "Could not \(action) \"\(path)\": \(reason) (errno \(errorNumber)). \(hint)",
            path: path,
            systemErrorNumber: errorNumber
        )
    }
}

/// The name used by the cryptographic APIs; the same type as `SecureError`.
package typealias CryptoError = SecureError

/// The name used by the file APIs; the same type as `SecureError`.
package typealias FileError = SecureError
