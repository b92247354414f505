/// Fernet keys, as used by Airflow's `[core] fernet_key`.
package enum FernetKey {
    /// The raw key length in bytes (16 signing + 16 encryption).
    package static let byteCount = 32

    /// A new key: 32 random bytes in URL-safe Base64 with padding, 44 characters, the same form
    /// as Python's `cryptography.fernet.Fernet.generate_key()`.
    package static func generate() -> Secret {
        Base64Codec.encode(SecureRandom.secret(count: byteCount), variant: .urlSafe, padded: true)
    }
}
