internal import CSodium

/// Authenticated encryption with XChaCha20-Poly1305 (IETF construction,
/// `crypto_aead_xchacha20poly1305_ietf_*`).
///
/// The sealed format is `nonce (24 bytes) ‖ ciphertext ‖ tag (16 bytes)`. Each seal draws a fresh
/// random 192-bit nonce, which is safe to do for any practical number of messages per key.
package enum XChaCha20Poly1305 {
    /// The key length in bytes.
    package static let keyByteCount = 32
    /// The nonce length in bytes.
    package static let nonceByteCount = 24
    /// The authentication tag length in bytes.
    package static let tagByteCount = 16

    /// Encrypts and authenticates `plaintext`, binding `associatedData` to it.
    ///
    /// - Returns: `nonce ‖ ciphertext ‖ tag`.
    /// - Throws: `.invalidInput` if the key is not ``keyByteCount`` bytes long.
    package static func seal(
        _ plaintext: Secret,
        key: Secret,
        associatedData: [UInt8]
    ) throws(CryptoError) -> [UInt8] {
        try checkKey(key)
        Sodium.ensureInitialized()
        let nonce = SecureRandom.bytes(count: nonceByteCount)
        var sealed = nonce + [UInt8](repeating: 0, count: plaintext.count + tagByteCount)
        var ciphertextLength: UInt64 = 0
        plaintext.withUnsafeBytes { message in
            key.withUnsafeBytes { keyBytes in
                sealed.withUnsafeMutableBytes { output in
                    _ = crypto_aead_xchacha20poly1305_ietf_encrypt(
                        output.bytePointer + nonceByteCount,
                        &ciphertextLength,
                        message.bytePointer,
                        UInt64(message.count),
                        associatedData,
                        UInt64(associatedData.count),
                        nil,
                        nonce,
                        keyBytes.bytePointer
                    )
                }
            }
        }
        return sealed
    }

    /// Verifies and decrypts a sealed box straight into a ``Secret``.
    ///
    /// - Throws: `.authenticationFailed` if the box is truncated, was modified, or was sealed with
    ///   another key or other associated data; `.invalidInput` if the key has the wrong length.
    package static func open(
        _ sealed: some Collection<UInt8>,
        key: Secret,
        associatedData: [UInt8]
    ) throws(CryptoError) -> Secret {
        try checkKey(key)
        guard sealed.count >= nonceByteCount + tagByteCount else {
            throw .authenticationFailed
        }
        Sodium.ensureInitialized()
        return try withContiguousBytes(sealed) { (box) throws(CryptoError) -> Secret in
            let base = box.bytePointer
            return try key.withUnsafeBytes { (keyBytes) throws(CryptoError) -> Secret in
                try Secret(count: box.count - nonceByteCount - tagByteCount) {
                    (output) throws(CryptoError) -> Void in
                    var messageLength: UInt64 = 0
                    let status = crypto_aead_xchacha20poly1305_ietf_decrypt(
                        output.bytePointer,
                        &messageLength,
                        nil,
                        base + nonceByteCount,
                        UInt64(box.count - nonceByteCount),
                        associatedData,
                        UInt64(associatedData.count),
                        base,
                        keyBytes.bytePointer
                    )
                    guard status == 0 else {
                        if let outputBase = output.baseAddress {
                            sodium_memzero(outputBase, output.count)
                        }
                        throw .authenticationFailed
                    }
                }
            }
        }
    }

    /// Rejects keys of the wrong length before they reach C.
    private static func checkKey(_ key: Secret) throws(CryptoError) {
        guard key.count == keyByteCount else {
            throw CryptoError(
                .invalidInput,
                "The encryption key must be \(keyByteCount) bytes long, but it is \(key.count) bytes long."
            )
        }
    }
}
