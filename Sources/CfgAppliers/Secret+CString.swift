package import CfgSecure

extension Secret {
    /// Calls `body` with the bytes as a NUL-terminated C string that lives in guarded memory, zeroed when the call
    /// returns.
    ///
    /// The copy is a ``Secret`` itself, so it is released with `sodium_free` (which zeroes it) as soon as `body`
    /// returns. The caller makes sure the bytes hold no NUL (``PostgresCredential`` does), or C reads a prefix.
    package func withUnsafeCString<R, E: Error>(_ body: (UnsafePointer<CChar>) throws(E) -> R) throws(E) -> R {
        let terminated = withUnsafeBytes { bytes in
            Secret(count: bytes.count + 1) { output in
                if bytes.count > 0 {
                    output.copyMemory(from: bytes)
                }
                output[bytes.count] = 0
            }
        }
        return try terminated.withUnsafeBytes { (bytes) throws(E) -> R in
            // At least one byte (the terminator), so a start address exists.
            guard let start = bytes.baseAddress else {
                preconditionFailure("a NUL-terminated copy has at least one byte")
            }
            return try body(start.assumingMemoryBound(to: CChar.self))
        }
    }
}
