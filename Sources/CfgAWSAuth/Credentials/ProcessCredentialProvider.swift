package import CfgSecure
import FoundationEssentials
import Glibc

/// A profile's `credential_process`: runs the command and reads the credentials it prints, as the AWS CLI does.
///
/// The command line is split into argv as botocore splits it (``ShellWords``) and started without a shell
/// (``CapturedCommand``: stdin /dev/null, stderr passed through to cfg's stderr, its own process group, stopped after
/// ``timeout``). Its stdout must be, within ``maxOutputBytes``, the documented JSON:
/// `{"Version": 1, "AccessKeyId": …, "SecretAccessKey": …, "SessionToken": …, "Expiration": "…Z"}` (the last two
/// optional). Credentials with an `Expiration` are cached by the chain's ``CachingCredentialProvider`` and renewed
/// by running the command again 5 minutes before they expire; without one they are used for the whole run.
///
/// Errors name the profile, the file line and the program, never the output, which holds the secret.
package struct ProcessCredentialProvider: AWSCredentialProvider, CustomStringConvertible, CustomReflectable {
    /// How long the command may run (botocore has no limit; the newer AWS SDKs allow about a minute).
    package static let defaultTimeout: Duration = .seconds(60)
    /// The largest output accepted: credentials in JSON are a few KiB.
    package static let maxOutputBytes = 64 << 10

    /// argv.
    let arguments: [String]
    /// The whole environment the command gets: cfg's own.
    let environment: [String: String]
    /// The profile, for messages: `profile 'dev'`.
    let source: String
    /// Where `credential_process` is written.
    let location: AWSSharedConfig.Location
    var timeout: Duration

    /// The provider for a `credential_process` value.
    ///
    /// - Throws: `.configuration` when the value cannot be split (an unclosed quote) or is empty.
    init(
        commandLine: String,
        environment: [String: String],
        source: String,
        location: AWSSharedConfig.Location,
        timeout: Duration = ProcessCredentialProvider.defaultTimeout
    ) throws(AWSCredentialError) {
        let words: [String]
        do {
            words = try ShellWords.split(commandLine)
        } catch {
            let reason = error == .unclosedQuote ? "has a quote that is not closed" : "ends with a lone backslash"
            throw AWSCredentialError(
                .configuration,
                "The credential_process of \(source) (\(location)) \(reason); fix the command line."
            )
        }
        guard let program = words.first, !program.isEmpty else {
            throw AWSCredentialError(
                .configuration,
                "The credential_process of \(source) (\(location)) names no command; set it or remove it."
            )
        }
        self.arguments = words
        self.environment = environment
        self.source = source
        self.location = location
        self.timeout = timeout
    }

    /// The program as written (the first word): a path or a name, never an argument.
    var program: String { arguments.first ?? "" }

    package func credentials() async throws(AWSCredentialError) -> AWSCredentials {
        let command = CapturedCommand(
            arguments: arguments,
            environment: environment,
            timeout: timeout,
            maxOutputBytes: Self.maxOutputBytes
        )
        let what = "The credential_process '\(program)' of \(source) (\(location))"
        let status: CapturedCommand.Status
        let output: Secret
        do {
            (status, output) = try await command.run()
        } catch {
            switch error {
            case .notFound:
                throw AWSCredentialError(
                    .configuration,
                    "\(what) was not found; install it, or write its full path (PATH is searched as the AWS CLI does)."
                )
            case .cannotStart(let number):
                throw AWSCredentialError(
                    .configuration,
                    "\(what) cannot be started (\(String(cString: strerror(number)))); check that it is executable."
                )
            case .timedOut:
                throw AWSCredentialError(
                    .unreachable,
                    "\(what) did not finish within \(timeout.components.seconds) s and was stopped; check that it can "
                        + "run without a prompt (its stdin is /dev/null)."
                )
            case .outputTooLarge:
                throw AWSCredentialError(
                    .malformed,
                    "\(what) wrote more than \(Self.maxOutputBytes >> 10) KiB to stdout and was stopped; it must "
                        + "print one JSON document of credentials."
                )
            }
        }
        switch status {
        case .exited(0), .lost:
            break
        case .exited(let code):
            throw AWSCredentialError(
                .rejected,
                "\(what) failed (exit status \(code)); its own messages, if any, are above. Check that it works "
                    + "with `aws sts get-caller-identity --profile …`."
            )
        case .signalled(let signal):
            throw AWSCredentialError(.rejected, "\(what) was ended by signal \(signal).")
        }
        return try Self.credentials(in: output, what: what, source: source)
    }

    /// The credentials in the command's output.
    ///
    /// - Throws: `.malformed` saying which field is missing or wrong; never a value.
    package static func credentials(
        in output: Secret,
        what: String,
        source: String
    ) throws(AWSCredentialError) -> AWSCredentials {
        let root: SecureJSON.Node
        do {
            root = try SecureJSON(parsing: output).root
        } catch {
            throw AWSCredentialError(.malformed, "\(what) printed something that is not a JSON object.")
        }
        guard root.kind == .object else {
            throw AWSCredentialError(.malformed, "\(what) printed something that is not a JSON object.")
        }
        guard let version = root["Version"] else {
            throw AWSCredentialError(.malformed, "\(what) printed no \"Version\"; it must print \"Version\": 1.")
        }
        guard version.int() == 1 else {
            throw AWSCredentialError(
                .malformed,
                "\(what) printed an unsupported \"Version\"; the only version is 1."
            )
        }
        guard let keyID = root["AccessKeyId"]?.text(), !keyID.isEmpty else {
            throw AWSCredentialError(.malformed, "\(what) printed no \"AccessKeyId\" string.")
        }
        guard let secret = root["SecretAccessKey"]?.secretString(), !secret.isEmpty else {
            throw AWSCredentialError(.malformed, "\(what) printed no \"SecretAccessKey\" string.")
        }
        var token: Secret?
        if let node = root["SessionToken"], !node.isNull {
            guard let value = node.secretString() else {
                throw AWSCredentialError(.malformed, "\(what) printed a \"SessionToken\" that is not a string.")
            }
            token = value.isEmpty ? nil : value
        }
        var expiration: Date?
        if let node = root["Expiration"], !node.isNull {
            guard let text = node.text(), let date = Timestamp.rfc3339(text) else {
                throw AWSCredentialError(
                    .malformed,
                    "\(what) printed an \"Expiration\" that is not an ISO 8601 time such as 2030-01-01T00:00:00Z."
                )
            }
            expiration = date
        }
        guard !keyID.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw AWSCredentialError(.malformed, "\(what) printed an \"AccessKeyId\" with white space in it.")
        }
        return AWSCredentials(
            accessKeyID: keyID,
            secretAccessKey: secret,
            sessionToken: token,
            expiration: expiration,
            source: source
        )
    }

    /// The profile, the file line and the program; never an argument.
    package var description: String { "credential_process '\(program)' of \(source) (\(location))" }

    /// The description only.
    package var customMirror: Mirror { Mirror(self, children: ["command": description], displayStyle: .struct) }
}
