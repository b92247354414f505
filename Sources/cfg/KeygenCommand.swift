import ArgumentParser
import CfgConfig
import CfgEngine
import CfgSecure

/// `cfg keygen fernet|password|bytes`: prints one new value.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        _superCommandName: CfgCommand.name,
        abstract: "Print a new Fernet key, password or random token (with a trailing newline)."
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case fernet, password, bytes
    }

    enum Profile: String, ExpressibleByArgument, CaseIterable {
        case strong
        case uriSafe = "uri-safe"
    }

    @Argument(help: "fernet, password or bytes.")
    var kind: Kind

    @Option(help: "Password length in characters, or the number of random bytes.")
    var length: Int?

    @Option(help: "Password profile: strong (letters, digits, symbols) or uri-safe (letters and digits).")
    var profile: Profile = .strong

    @Option(help: "Characters a password must not contain.")
    var exclude: String = ""

    @Option(help: "Encoding for bytes: hex, base64 or base64url.")
    var encoding: String = "hex"

    func validate() throws {
        if let length, !(1...1024).contains(length) {
            throw ValidationError("--length must be between 1 and 1024.")
        }
        if ByteEncoding(rawValue: encoding) == nil {
            throw ValidationError("--encoding must be hex, base64 or base64url.")
        }
    }

    func run() throws {
        let spec: GeneratorSpec
        switch kind {
        case .fernet:
            spec = .fernet
        case .password:
            var policy = profile == .uriSafe ? PasswordPolicy.uriSafe(length: 32) : PasswordPolicy()
            policy.length = length ?? 32
            policy.exclude = exclude
            spec = .password(policy)
        case .bytes:
            spec = .bytes(length: length ?? 32, encoding: ByteEncoding(rawValue: encoding) ?? .hex)
        }
        do {
            let value = try spec.generate()
            Terminal.output((value.stringValue() ?? "") + "\n")
        } catch {
            throw fail(error)
        }
    }
}
