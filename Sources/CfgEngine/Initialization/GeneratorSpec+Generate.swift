package import CfgConfig
package import CfgSecure

extension GeneratorSpec {
    /// Generates a new value with libsodium's randomness.
    package func generate() throws(EngineError) -> Secret {
        switch self {
        case .fernet:
            return FernetKey.generate()
        case .password(let policy):
            let alphabets = policy.classes.map { characterClass -> String in
                switch characterClass {
                case .lower: PasswordGenerator.lower
                case .upper: PasswordGenerator.upper
                case .digits: PasswordGenerator.digits
                case .symbols: PasswordGenerator.symbols
                }
            }
            do {
                return try PasswordGenerator.generate(
                    length: policy.length,
                    classes: alphabets,
                    exclude: policy.exclude
                )
            } catch {
                throw EngineError(.configuration, "cannot generate a password with this policy: \(error)")
            }
        case .bytes(let length, let encoding):
            let tokenEncoding: RandomToken.Encoding =
                switch encoding {
                case .hex: .hex
                case .base64: .base64
                case .base64url: .base64url
                }
            return RandomToken.generate(byteCount: length, encoding: tokenEncoding)
        }
    }
}
