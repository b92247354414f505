package import CfgSecure

/// Where `cfg set` reads a value from: standard input or a file, never the command line (argv is visible to every
/// user in `/proc` and stays in shell history).
///
/// Both are bounded by ``limit`` and read straight into guarded memory. Standard input is read as a line: one
/// trailing `\n` is removed, so `echo x | cfg set` and `printf x | cfg set` store the same `x`, as does a value
/// pasted at a terminal and ended with Enter and Ctrl-D. A file is stored byte for byte, trailing newline included
/// (an OpenSSH private key needs its last newline).
package enum SecretInput {
    /// The largest value `cfg set` reads: 64 KiB, the most a Secrets Manager secret holds.
    package static let limit = 64 << 10

    /// Reads standard input (descriptor 0, or another open one) to its end and removes one trailing `\n`; `limit`
    /// applies to the value without that newline.
    ///
    /// - Throws: `EngineError` `.configuration` past `limit` or on a failed read (the message names no byte of
    ///   the input).
    package static func standardInput(descriptor: Int32 = 0, limit: Int = limit) throws(EngineError) -> Secret {
        let read: Secret
        do {
            read = try SecureFile.read(descriptor: descriptor, named: "standard input", limit: limit + 1)
        } catch  where error.code == .invalidInput {
            throw tooLarge(limit)
        } catch {
            throw EngineError(.configuration, error.description)
        }
        let value = droppingOneTrailingNewline(read)
        guard value.count <= limit else { throw tooLarge(limit) }
        return value
    }

    /// The refusal of a value on standard input past `limit`.
    private static func tooLarge(_ limit: Int) -> EngineError {
        let size = limit % 1024 == 0 ? "\(limit / 1024) KiB (\(limit) bytes)" : "\(limit) bytes"
        return EngineError(
            .configuration,
            "the value on standard input is larger than \(size), the most cfg set stores; nothing was stored"
        )
    }

    /// Reads a regular file of at most `limit` bytes, exactly (a symbolic link is followed).
    ///
    /// - Throws: `EngineError` `.configuration` for a missing or unreadable file, one that is not a regular file
    ///   (a FIFO, a device, a directory) or one larger than `limit`.
    package static func file(_ path: String, limit: Int = limit) throws(EngineError) -> Secret {
        do {
            return try SecureFile.readRegular(path, limit: limit, followLinks: true)
        } catch {
            throw EngineError(.configuration, error.description)
        }
    }

    /// `value` without its last byte when that byte is `\n` (only one: `printf 'x\n\n'` keeps `x\n`).
    package static func droppingOneTrailingNewline(_ value: Secret) -> Secret {
        value.withUnsafeBytes { bytes in
            guard let last = bytes.last, last == UInt8(ascii: "\n") else { return value }
            return Secret(count: bytes.count - 1) { output in
                output.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 1)]))
            }
        }
    }
}
