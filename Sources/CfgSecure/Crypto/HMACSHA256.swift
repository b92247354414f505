internal import CSodium

/// HMAC-SHA-256 with keys of any length (`crypto_auth_hmacsha256_init/update/final`).
package enum HMACSHA256 {
    /// The tag length in bytes.
    package static let byteCount = 32

    /// The HMAC-SHA-256 tag of `message` under `key`.
    package static func authenticate(_ message: some Collection<UInt8>, key: some Collection<UInt8>) -> [UInt8] {
        withContiguousBytes(key) { keyBuffer in
            authenticate(message, keyBuffer: keyBuffer)
        }
    }

    /// The HMAC-SHA-256 tag of `message` under a secret key.
    package static func authenticate(_ message: some Collection<UInt8>, key: Secret) -> [UInt8] {
        key.withUnsafeBytes { keyBuffer in
            authenticate(message, keyBuffer: keyBuffer)
        }
    }

    /// Computes the tag; the HMAC state (which holds key-derived pads) is zeroed afterwards.
    private static func authenticate(_ message: some Collection<UInt8>, keyBuffer: UnsafeRawBufferPointer) -> [UInt8] {
        Sodium.ensureInitialized()
        var state = crypto_auth_hmacsha256_state()
        var tag = [UInt8](repeating: 0, count: byteCount)
        withUnsafeMutablePointer(to: &state) { statePointer in
            _ = crypto_auth_hmacsha256_init(
                statePointer,
                keyBuffer.bytePointer,
                keyBuffer.count
            )
            withContiguousBytes(message) { input in
                _ = crypto_auth_hmacsha256_update(
                    statePointer,
                    input.bytePointer,
                    UInt64(input.count)
                )
            }
            tag.withUnsafeMutableBytes { output in
                _ = crypto_auth_hmacsha256_final(statePointer, output.bytePointer)
            }
            sodium_memzero(statePointer, MemoryLayout<crypto_auth_hmacsha256_state>.size)
        }
        return tag
    }
}
