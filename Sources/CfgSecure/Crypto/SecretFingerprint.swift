/// Short, keyed fingerprints that show whether a secret changed without revealing it.
///
/// A fingerprint is `"fp:"` followed by the first 10 hex characters (40 bits) of
/// HMAC-SHA-256(key, value). The key is random per instance (so per run of `cfg`), which means
/// fingerprints cannot be compared across runs or looked up in a precomputed table; within one run
/// equal values give equal fingerprints, which is all `cfg render --diff` needs.
package struct SecretFingerprint: Sendable {
    /// The number of hex characters kept after `fp:`.
    package static let hexLength = 10

    private let key: Secret

    /// A fingerprinter with a fresh random 32-byte key.
    package init() {
        key = SecureRandom.secret(count: 32)
    }

    /// A fingerprinter with a given key (for tests and reproducible output).
    package init(key: Secret) {
        self.key = key
    }

    /// The fingerprint of a textual value (its UTF-8 bytes).
    package func fingerprint(_ text: String) -> String {
        format(HMACSHA256.authenticate(text.utf8, key: key))
    }

    /// The fingerprint of a secret's bytes.
    package func fingerprint(_ secret: Secret) -> String {
        let tag = secret.withUnsafeBytes { bytes in
            HMACSHA256.authenticate(bytes, key: key)
        }
        return format(tag)
    }

    private func format(_ tag: [UInt8]) -> String {
        "fp:" + Hex.encode(tag.prefix(SecretFingerprint.hexLength / 2))
    }
}
