/// Random tokens for secret keys (Airflow's webserver `secret_key`, JWT secrets, API tokens).
package enum RandomToken {
    /// How the random bytes are spelled.
    package enum Encoding: Sendable, Equatable {
        /// Lowercase hex, 2 characters per byte.
        case hex
        /// Standard Base64 (`+` and `/`) with `=` padding.
        case base64
        /// URL-safe Base64 (`-` and `_`) without padding, so it can go into URLs and headers as is.
        case base64url
    }

    /// A token made of `byteCount` random bytes in the given encoding.
    package static func generate(byteCount: Int, encoding: Encoding) -> Secret {
        let raw = SecureRandom.secret(count: byteCount)
        switch encoding {
        case .hex:
            return Hex.encode(raw)
        case .base64:
            return Base64Codec.encode(raw, variant: .standard, padded: true)
        case .base64url:
            return Base64Codec.encode(raw, variant: .urlSafe, padded: false)
        }
    }
}
