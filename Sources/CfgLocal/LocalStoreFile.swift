import CfgBackend
import CfgSecure

/// The binary envelope of a local store file.
///
/// Layout: the magic bytes `CFGSTORE`, a format version byte (1), a 16-byte key check (the first 16 bytes of
/// HMAC-SHA256(key, "cfg-local-store key check v1")), then an XChaCha20-Poly1305 box (nonce ‖ ciphertext ‖ tag)
/// whose associated data is `"cfg-local-store v1 " + environmentName`, so a store copied to another environment
/// does not open.
///
/// The key check tells a wrong key (`.authenticationFailed`) apart from a damaged file (`.corrupt`); it reveals
/// nothing about the key beyond what a failed decryption would.
enum LocalStoreFile {
    /// `CFGSTORE`.
    static let magic: [UInt8] = Array("CFGSTORE".utf8)
    /// The envelope version this code writes and reads.
    static let formatVersion: UInt8 = 1
    /// The length of the key check.
    static let keyCheckByteCount = 16
    /// The bytes before the sealed box.
    static let headerByteCount = magic.count + 1 + keyCheckByteCount

    /// The key check for a key.
    static func keyCheck(for key: Secret) -> [UInt8] {
        Array(HMACSHA256.authenticate(Array("cfg-local-store key check v1".utf8), key: key).prefix(keyCheckByteCount))
    }

    /// The associated data that binds a store to its environment.
    static func associatedData(environmentName: String) -> [UInt8] {
        Array("cfg-local-store v1 \(environmentName)".utf8)
    }

    /// Builds the file content for a plaintext.
    ///
    /// - Throws: `.invalidRequest` if the key has the wrong length.
    static func seal(
        _ plaintext: Secret,
        key: Secret,
        environmentName: String,
        storePath: String
    ) throws(BackendError) -> [UInt8] {
        let box: [UInt8]
        do {
            box = try XChaCha20Poly1305.seal(
                plaintext,
                key: key,
                associatedData: associatedData(environmentName: environmentName)
            )
        } catch {
            throw BackendError.localInvalidKey(storePath)
        }
        return magic + [formatVersion] + keyCheck(for: key) + box
    }

    /// Checks and decrypts file content.
    ///
    /// - Throws: `.authenticationFailed` for a wrong key, `.corrupt` for bad magic, truncation or a box that does
    ///   not verify, `.unsupported` for a newer format version.
    static func open(
        _ content: [UInt8],
        key: Secret,
        environmentName: String,
        storePath: String
    ) throws(BackendError) -> Secret {
        guard content.count >= headerByteCount, content.starts(with: magic) else {
            throw .localCorrupt(storePath)
        }
        let version = content[magic.count]
        guard version == formatVersion else {
            throw version > formatVersion
                ? .localUnsupportedFormat(storePath, version: version) : .localCorrupt(storePath)
        }
        let storedCheck = content[(magic.count + 1)..<headerByteCount]
        guard key.count == XChaCha20Poly1305.keyByteCount,
            ConstantTime.equals(storedCheck, keyCheck(for: key))
        else {
            throw .localWrongKey(storePath)
        }
        do {
            return try XChaCha20Poly1305.open(
                content[headerByteCount...],
                key: key,
                associatedData: associatedData(environmentName: environmentName)
            )
        } catch {
            throw .localCorrupt(storePath)
        }
    }
}
