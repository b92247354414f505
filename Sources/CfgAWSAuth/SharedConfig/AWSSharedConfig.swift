package import CfgSecure

/// The shared AWS files, `~/.aws/config` (`AWS_CONFIG_FILE`) and `~/.aws/credentials`
/// (`AWS_SHARED_CREDENTIALS_FILE`), parsed and merged into profiles.
///
/// Both files are INI. In the config file a named profile is `[profile NAME]` and the default one `[default]`;
/// in the credentials file every section is a profile, `[NAME]`. Keys are case-insensitive. A value in the
/// credentials file wins over the config file's value for the same profile and key, as botocore merges them.
///
/// The files are read straight into guarded memory; the secret keys (`aws_secret_access_key`,
/// `aws_session_token`, `aws_security_token`) become ``Secret``s from the file bytes and never pass through a
/// `String`. Only the keys cfg reads keep their values; of every other key only its name and line are kept,
/// since cfg cannot know whether it holds a secret.
package struct AWSSharedConfig: Sendable, CustomStringConvertible, CustomReflectable {
    /// Which of the two files a text came from; they name profiles differently.
    package enum FileKind: Sendable, Hashable {
        case config
        case credentials
    }

    /// A line in one of the files, for messages: `~/.aws/config:12`.
    package struct Location: Sendable, Hashable, CustomStringConvertible {
        /// The file as shown to the user (`~/.aws/config` when it is the default path).
        package var file: String
        package var line: Int

        package init(file: String, line: Int) {
            self.file = file
            self.line = line
        }

        package var description: String { "\(file):\(line)" }
    }

    /// A non-secret value and where it was written.
    package struct Value: Sendable, Hashable {
        package var text: String
        package var location: Location
    }

    /// A secret value (in guarded memory) and where it was written.
    package struct SecretValue: Sendable {
        package var secret: Secret
        package var location: Location
    }

    /// One profile, merged from both files.
    package struct Profile: Sendable, CustomStringConvertible, CustomReflectable {
        package var name: String
        /// The keys cfg reads whose values are not secret, by lower-case key.
        package var values: [String: Value] = [:]
        /// The secret keys, by lower-case key.
        package var secrets: [String: SecretValue] = [:]
        /// Every other key: where it is written, without its value.
        package var otherKeys: [String: Location] = [:]
        /// The files that define the profile, as shown to the user.
        package var files: [String] = []

        package init(name: String) {
            self.name = name
        }

        /// The non-empty value of a non-secret `key` (lower-case); an empty value counts as unset.
        package func value(_ key: String) -> Value? {
            guard let value = values[key], !value.text.isEmpty else { return nil }
            return value
        }

        /// The non-empty value of a secret `key` (lower-case).
        package func secret(_ key: String) -> SecretValue? {
            guard let value = secrets[key], !value.secret.isEmpty else { return nil }
            return value
        }

        /// Whether `key` is written in the profile at all (any kind, even empty).
        package func contains(_ key: String) -> Bool {
            values[key] != nil || secrets[key] != nil || otherKeys[key] != nil
        }

        /// Where `key` is written, whatever its kind.
        package func location(of key: String) -> Location? {
            values[key]?.location ?? secrets[key]?.location ?? otherKeys[key]
        }

        /// Sets `key` from another file, replacing what the profile held under it.
        mutating func overlay(_ other: Profile) {
            for key in other.values.keys.sorted() + other.secrets.keys.sorted() + other.otherKeys.keys.sorted() {
                values[key] = nil
                secrets[key] = nil
                otherKeys[key] = nil
            }
            values.merge(other.values) { $1 }
            secrets.merge(other.secrets) { $1 }
            otherKeys.merge(other.otherKeys) { $1 }
            files += other.files.filter { !files.contains($0) }
        }

        /// The profile's name and key names, never a value.
        package var description: String {
            let keys = (Array(values.keys) + Array(secrets.keys) + Array(otherKeys.keys)).sorted()
            return "profile '\(name)' (keys: \(keys.joined(separator: ", ")))"
        }

        /// Name and key names only.
        package var customMirror: Mirror {
            Mirror(self, children: ["name": name, "files": files], displayStyle: .struct)
        }
    }

    /// Keys whose values are secret.
    package static let secretKeys: Set<String> = ["aws_secret_access_key", "aws_session_token", "aws_security_token"]
    /// Non-secret keys whose values cfg reads; every other key keeps only its name.
    package static let readKeys: Set<String> = [
        "aws_access_key_id", "region", "role_arn", "source_profile", "web_identity_token_file", "role_session_name",
        "credential_source", "duration_seconds", "external_id", "mfa_serial", "credential_process", "sso_session",
        "sso_start_url", "sso_region", "sso_account_id", "sso_role_name",
    ]

    /// The profiles by name.
    package var profiles: [String: Profile]
    /// The `[sso-session NAME]` sections of the config file, by name.
    package var ssoSessions: [String: Profile]
    /// The config file as shown to the user, `~/.aws/config` unless `AWS_CONFIG_FILE` names another.
    package var configFile: String
    /// The credentials file as shown to the user.
    package var credentialsFile: String

    package init(
        profiles: [String: Profile] = [:],
        ssoSessions: [String: Profile] = [:],
        configFile: String = "~/.aws/config",
        credentialsFile: String = "~/.aws/credentials"
    ) {
        self.profiles = profiles
        self.ssoSessions = ssoSessions
        self.configFile = configFile
        self.credentialsFile = credentialsFile
    }

    /// `~/.aws/config or ~/.aws/credentials`, for messages.
    package var filesDescription: String { "\(configFile) or \(credentialsFile)" }

    /// The file names and profile names, never a value.
    package var description: String {
        let names = profiles.keys.sorted().joined(separator: ", ")
        return "AWSSharedConfig(\(configFile), \(credentialsFile); profiles: \(names))"
    }

    /// File and profile names only.
    package var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "configFile": configFile, "credentialsFile": credentialsFile, "profiles": profiles.keys.sorted(),
            ],
            displayStyle: .struct
        )
    }

    // MARK: - Loading

    /// Reads a whole file into guarded memory; throws `FileError` with `.notFound` when there is no such file.
    package typealias FileReader = (String) throws(FileError) -> Secret

    /// Reads and merges the two files named by `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`, else
    /// `$HOME/.aws/config` and `$HOME/.aws/credentials`. A file that does not exist counts as empty.
    ///
    /// - Parameters:
    ///   - processEnvironment: the process environment (injected); `HOME` locates the default files.
    ///   - readFile: reads a file (injected so that tests never touch the real `~/.aws`).
    /// - Throws: `.configuration` naming the file (and line) that cannot be read or parsed.
    package static func load(
        processEnvironment: [String: String],
        readFile: FileReader = SecureFile.readCredentialFile
    ) throws(AWSCredentialError) -> AWSSharedConfig {
        let config = location(
            variable: "AWS_CONFIG_FILE",
            defaultPath: ".aws/config",
            processEnvironment: processEnvironment
        )
        let credentials = location(
            variable: "AWS_SHARED_CREDENTIALS_FILE",
            defaultPath: ".aws/credentials",
            processEnvironment: processEnvironment
        )
        var merged: [String: Profile] = [:]
        var sessions: [String: Profile] = [:]
        if let path = config.path, let contents = try read(path, shown: config.shown, readFile: readFile) {
            (merged, sessions) = try parseSections(contents, file: config.shown, kind: .config)
        }
        if let path = credentials.path,
            let contents = try read(path, shown: credentials.shown, readFile: readFile)
        {
            for (name, profile) in try parse(contents, file: credentials.shown, kind: .credentials) {
                if var existing = merged[name] {
                    existing.overlay(profile)
                    merged[name] = existing
                } else {
                    merged[name] = profile
                }
            }
        }
        return AWSSharedConfig(
            profiles: merged,
            ssoSessions: sessions,
            configFile: config.shown,
            credentialsFile: credentials.shown
        )
    }

    /// Where a file is (`nil` when neither the variable nor `HOME` is set) and how messages show it.
    private static func location(
        variable: String,
        defaultPath: String,
        processEnvironment: [String: String]
    ) -> (path: String?, shown: String) {
        let home = processEnvironment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
        if let value = processEnvironment[variable], !value.isEmpty {
            return (expandingTilde(value, home: home), value)
        }
        guard let home else { return (nil, "~/" + defaultPath) }
        return ((home.hasSuffix("/") ? home : home + "/") + defaultPath, "~/" + defaultPath)
    }

    /// `~/x` → `$HOME/x`, as botocore's `expanduser` does; other paths unchanged.
    static func expandingTilde(_ path: String, home: String?) -> String {
        guard let home else { return path }
        if path == "~" { return home }
        guard path.hasPrefix("~/") else { return path }
        return (home.hasSuffix("/") ? String(home.dropLast()) : home) + path.dropFirst()
    }

    /// The file's bytes, or nil when it does not exist.
    private static func read(
        _ path: String,
        shown: String,
        readFile: FileReader
    ) throws(AWSCredentialError) -> Secret? {
        do {
            return try readFile(path)
        } catch  where error.code == .notFound {
            return nil
        } catch {
            let reason = error.code == .permissionDenied ? "permission denied" : "I/O error"
            throw AWSCredentialError(
                .configuration,
                "Cannot read the AWS file \(shown) (\(reason)); fix its permissions or point the variable elsewhere."
            )
        }
    }
}
