/// A generator of new secret values, shared by `cfg init`, `cfg keygen` and rotation.
package enum GeneratorSpec: Sendable, Hashable {
    /// 32 random bytes, url-safe base64 (what `Fernet.generate_key()` returns).
    case fernet
    case password(PasswordPolicy)
    /// `length` random bytes, encoded.
    case bytes(length: Int, encoding: ByteEncoding)
}
