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

    @Argument(help: "fernet, password or bytes.")
    var kind: KeygenRequest.Kind

    @Option(help: "Password length in characters, or the number of random bytes.")
    var length: Int?

    @Option(help: "Password profile: strong (letters, digits, symbols) or uri-safe (letters and digits).")
    var profile: KeygenRequest.Profile = .strong

    @Option(help: "Characters a password must not contain.")
    var exclude: String = ""

    @Option(help: "Encoding for bytes: hex, base64 or base64url.")
    var encoding: String = "hex"

    /// What was asked, as plain values.
    var request: KeygenRequest {
        KeygenRequest(kind: kind, length: length, profile: profile, exclude: exclude, encoding: encoding)
    }

    func validate() throws {
        try request.validate()
    }

    func run() throws {
        try request.run()
    }
}

extension KeygenRequest.Kind: ExpressibleByArgument {}
extension KeygenRequest.Profile: ExpressibleByArgument {}

/// `cfg keygen`'s request, as ``KeygenCommand`` or ``QuickParse`` reads it.
struct KeygenRequest: Equatable, Sendable {
    var kind: Kind
    var length: Int?
    var profile = Profile.strong
    var exclude = ""
    var encoding = "hex"

    enum Kind: String, CaseIterable, Sendable {
        case fernet, password, bytes
    }

    enum Profile: String, CaseIterable, Sendable {
        case strong
        case uriSafe = "uri-safe"
    }

    /// The values the options allow.
    func validate() throws {
        if let length, !(1...1024).contains(length) {
            throw ValidationError("--length must be between 1 and 1024.")
        }
        if ByteEncoding(rawValue: encoding) == nil {
            throw ValidationError("--encoding must be hex, base64 or base64url.")
        }
    }

    /// Prints one new value.
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
