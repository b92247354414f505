internal import CSodium

/// Lowercase hexadecimal encoding.
package enum Hex {
    /// The lowercase hex form of non-secret `bytes` (digests, fingerprints).
    package static func encode(_ bytes: some Collection<UInt8>) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The lowercase hex form of a secret, produced in constant time (`sodium_bin2hex`) straight
    /// into a new ``Secret``.
    package static func encode(_ secret: Secret) -> Secret {
        Sodium.ensureInitialized()
        // sodium_bin2hex writes a terminating NUL, so encode into a scratch secret one byte larger.
        let scratch = secret.withUnsafeBytes { input in
            Secret(count: input.count * 2 + 1) { output in
                _ = sodium_bin2hex(
                    output.charPointer,
                    output.count,
                    input.bytePointer,
                    input.count
                )
            }
        }
        return scratch.prefix(secret.count * 2)
    }
}
