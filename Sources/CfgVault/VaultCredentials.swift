import CfgBackend
import CfgSecure

/// Reads login material (tokens, AppRole ids, JWTs) from files or variables into secure memory.
enum VaultCredentials {
    /// A credential from its source, trimmed of surrounding whitespace (files usually end with a newline).
    ///
    /// - Parameters:
    ///   - what: names the credential in errors (`AppRole secret_id`).
    /// - Throws: `.authenticationFailed` naming the file or variable when it is missing, unreadable or empty.
    static func read(
        _ source: VaultAuth.CredentialSource,
        what: String,
        processEnvironment: [String: String]
    ) throws(BackendError) -> Secret {
        let secret: Secret
        switch source {
        case .file(let path):
            do {
                secret = try SecureFile.readCredentialFile(path)
            } catch {
                throw .vaultCredentialMissing(what, hint: "\(error.description)")
            }
        case .variable(let name):
            // The variable's value is an ordinary String (the environment holds it anyway); copied once.
            guard let value = processEnvironment[name], !value.isEmpty else {
                throw .vaultCredentialMissing(what, hint: "the variable \(name) is not set")
            }
            secret = Secret(copying: value)
        case .literal(let value):
            secret = Secret(copying: value)
        }
        let trimmed = trimmingWhitespace(secret)
        guard !trimmed.isEmpty else {
            throw .vaultCredentialMissing(what, hint: "\(describe(source)) is empty")
        }
        return trimmed
    }

    /// `the file PATH` / `the variable NAME`.
    static func describe(_ source: VaultAuth.CredentialSource) -> String {
        switch source {
        case .file(let path): "the file \(path)"
        case .variable(let name): "the variable \(name)"
        case .literal: "the value in the environment file"
        }
    }

    /// A copy without leading and trailing ASCII whitespace.
    static func trimmingWhitespace(_ secret: Secret) -> Secret {
        secret.withUnsafeBytes { bytes in
            func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
            var start = 0
            var end = bytes.count
            while start < end, isSpace(bytes[start]) { start += 1 }
            while end > start, isSpace(bytes[end - 1]) { end -= 1 }
            return Secret(count: end - start) { output in
                if end > start, let base = bytes.baseAddress {
                    output.copyMemory(from: UnsafeRawBufferPointer(start: base + start, count: end - start))
                }
            }
        }
    }
}
