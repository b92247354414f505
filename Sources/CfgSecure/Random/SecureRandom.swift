internal import CSodium

/// Cryptographically secure randomness from libsodium (`randombytes_*`).
package enum SecureRandom {
    /// `count` random bytes in an ordinary array (for nonces, salts and other non-secret values).
    package static func bytes(count: Int) -> [UInt8] {
        precondition(count >= 0, "random byte count must not be negative")
        Sodium.ensureInitialized()
        var result = [UInt8](repeating: 0, count: count)
        result.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress {
                randombytes_buf(base, buffer.count)
            }
        }
        return result
    }

    /// `count` random bytes generated directly into a ``Secret`` (for keys).
    package static func secret(count: Int) -> Secret {
        precondition(count >= 0, "random byte count must not be negative")
        Sodium.ensureInitialized()
        return Secret(count: count) { buffer in
            fill(buffer)
        }
    }

    /// A uniformly distributed number in `0..<upperBound` without modulo bias
    /// (`randombytes_uniform`). Returns 0 when `upperBound` is below 2.
    package static func uniform(_ upperBound: UInt32) -> UInt32 {
        Sodium.ensureInitialized()
        return randombytes_uniform(upperBound)
    }

    /// Fills `buffer` with random bytes.
    static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        Sodium.ensureInitialized()
        if let base = buffer.baseAddress {
            randombytes_buf(base, buffer.count)
        }
    }
}
