internal import CSodium

/// Strict Base64 (RFC 4648) in constant time, via `sodium_bin2base64` / `sodium_base642bin`.
///
/// Decoding ignores no characters (no whitespace, no line breaks) and rejects non-zero trailing
/// bits. It accepts both the padded form and the unpadded form of the chosen alphabet: text whose
/// length is a multiple of 4 must be correctly padded (or need no padding); any other length must
/// carry no padding at all.
package enum Base64Codec {
    /// The alphabet.
    package enum Variant: Sendable {
        /// `A–Z a–z 0–9 + /` (RFC 4648 section 4).
        case standard
        /// `A–Z a–z 0–9 - _` (RFC 4648 section 5), as used by Fernet keys and JWTs.
        case urlSafe
    }

    /// Encodes a secret into a new secret, without an intermediate `String`.
    package static func encode(_ secret: Secret, variant: Variant, padded: Bool = true) -> Secret {
        secret.withUnsafeBytes { input in
            encode(input, variant: variant, padded: padded)
        }
    }

    /// Encodes non-secret bytes into a `String`.
    package static func encode(_ bytes: some Collection<UInt8>, variant: Variant, padded: Bool = true) -> String {
        let encoded = withContiguousBytes(bytes) { input in
            encode(input, variant: variant, padded: padded)
        }
        return encoded.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Decodes text (which is not itself treated as secret) into a secret.
    ///
    /// - Throws: `.invalidEncoding` if `text` is not strict Base64 of the given alphabet.
    package static func decode(_ text: String, variant: Variant) throws(CryptoError) -> Secret {
        try withContiguousBytes(text.utf8) { (input) throws(CryptoError) -> Secret in
            try decode(input, variant: variant)
        }
    }

    /// Decodes secret text (for example a Fernet key read from a file) into a secret.
    ///
    /// - Throws: `.invalidEncoding` if the text is not strict Base64 of the given alphabet.
    package static func decode(_ text: Secret, variant: Variant) throws(CryptoError) -> Secret {
        try text.withUnsafeBytes { (input) throws(CryptoError) -> Secret in
            try decode(input, variant: variant)
        }
    }

    /// libsodium's variant constant.
    private static func sodiumVariant(_ variant: Variant, padded: Bool) -> Int32 {
        switch (variant, padded) {
        case (.standard, true): Int32(sodium_base64_VARIANT_ORIGINAL)
        case (.standard, false): Int32(sodium_base64_VARIANT_ORIGINAL_NO_PADDING)
        case (.urlSafe, true): Int32(sodium_base64_VARIANT_URLSAFE)
        case (.urlSafe, false): Int32(sodium_base64_VARIANT_URLSAFE_NO_PADDING)
        }
    }

    /// Encodes raw bytes into a secret.
    private static func encode(_ input: UnsafeRawBufferPointer, variant: Variant, padded: Bool) -> Secret {
        Sodium.ensureInitialized()
        let sodiumVariant = sodiumVariant(variant, padded: padded)
        // The encoded length reported by libsodium includes the terminating NUL it writes.
        let capacity = sodium_base64_encoded_len(input.count, sodiumVariant)
        let scratch = Secret(count: capacity) { output in
            _ = sodium_bin2base64(
                output.charPointer,
                output.count,
                input.bytePointer,
                input.count,
                sodiumVariant
            )
        }
        return scratch.prefix(capacity - 1)
    }

    /// Decodes raw text bytes into a secret.
    private static func decode(_ input: UnsafeRawBufferPointer, variant: Variant) throws(CryptoError) -> Secret {
        Sodium.ensureInitialized()
        let padded = input.count % 4 == 0
        let sodiumVariant = sodiumVariant(variant, padded: padded)
        guard input.count > 0 else { return Secret(bytes: []) }
        var decodedLength = 0
        let scratch = try Secret(count: input.count / 4 * 3 + 3) { (output) throws(CryptoError) -> Void in
            let status = sodium_base642bin(
                output.bytePointer,
                output.count,
                input.charPointer,
                input.count,
                nil,
                &decodedLength,
                nil,
                sodiumVariant
            )
            guard status == 0 else {
                throw CryptoError(
                    .invalidEncoding,
                    "The value is not valid \(variant == .urlSafe ? "URL-safe " : "")Base64 (\(input.count) characters)."
                )
            }
        }
        return scratch.prefix(decodedLength)
    }
}
