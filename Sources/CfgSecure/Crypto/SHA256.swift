internal import CSodium

/// SHA-256 (`crypto_hash_sha256`).
package enum SHA256 {
    /// The digest length in bytes.
    package static let byteCount = 32

    /// The SHA-256 digest of `data`.
    package static func hash(_ data: some Collection<UInt8>) -> [UInt8] {
        Sodium.ensureInitialized()
        var digest = [UInt8](repeating: 0, count: byteCount)
        withContiguousBytes(data) { input in
            digest.withUnsafeMutableBytes { output in
                _ = crypto_hash_sha256(
                    output.bytePointer,
                    input.bytePointer,
                    UInt64(input.count)
                )
            }
        }
        return digest
    }
}
