import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

@testable import CfgAWSAuth

/// `credential_process`: argv split as botocore splits it, the JSON it prints, caching until expiry, failures that
/// name the profile and never repeat the output.
@Suite struct ProcessCredentialTests {
    /// A canary secret the helper prints; it must never reach an error or a description.
    static let canary = "CANARY-process-8f3a1c"

    /// Writes an executable `/bin/sh` script under the home and returns its path.
    private func script(_ home: CredentialHome, _ name: String, _ body: String) throws -> String {
        let path = try home.write(name, "#!/bin/sh\n" + body)
        chmod(path, 0o755)
        return path
    }

    private func document(
        version: String = "1",
        secret: String = canary,
        expiration: String? = "2030-01-01T00:00:00Z"
    ) -> String {
        var fields = [
            "\"Version\": \(version)", "\"AccessKeyId\": \"ASIAPROCESS\"", "\"SecretAccessKey\": \"\(secret)\"",
            "\"SessionToken\": \"process-token\"",
        ]
        if let expiration { fields.append("\"Expiration\": \"\(expiration)\"") }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    /// The chain for profile `a` of `config`, with the clock's now.
    private func chain(
        _ home: CredentialHome,
        clock: CredentialClock = CredentialClock(),
        transport: CurlTransport
    ) throws -> any AWSCredentialProvider {
        let environment = home.processEnvironment.merging(["PATH": "/usr/bin:/bin"]) { $1 }
        return AWSCredentialChain.make(
            settings: try home.settings(environment, profileVariable: "a"),
            processEnvironment: environment,
            transport: transport,
            now: clock.now
        )
    }

    @Test(arguments: [
        ("a b", ["a", "b"]),
        (" a\t b\n", ["a", "b"]),
        ("a\"b c\"d", ["ab cd"]),
        ("''", [""]),
        ("a \"\" b", ["a", "", "b"]),
        (#""x\"y\\z\q""#, [#"x"y\z\q"#]),
        (#"a\ b"#, ["a b"]),
        ("'it''s'", ["its"]),
        (#"\$HOME ~ $x"#, ["$HOME", "~", "$x"]),
        (#""\a""#, [#"\a"#]),
    ])
    func commandLinesSplitAsShlexSplits(text: String, words: [String]) throws {
        // The expected words are what Python's shlex.split (botocore's compat_shell_split) returns.
        #expect(try ShellWords.split(text) == words)
    }

    @Test func unclosedQuotesAndTrailingBackslashesAreErrors() {
        #expect(throws: ShellWords.Failure.unclosedQuote) { try ShellWords.split("a 'b") }
        #expect(throws: ShellWords.Failure.unclosedQuote) { try ShellWords.split("a \"b") }
        #expect(throws: ShellWords.Failure.trailingBackslash) { try ShellWords.split("a \\") }
    }

    @Test func runsTheCommandWithItsArgumentsAndReadsTheCredentials() async throws {
        try await CredentialHome.with { home in
            let helper = try script(
                home,
                "helper.sh",
                """
                for word in "$@"; do printf '%s|' "$word"; done > "\(home.path)/argv"
                cat > "\(home.path)/stdin"
                echo "a message of the helper's own" >&2
                printf '%s' '\(document())'
                """
            )
            try home.writeConfig("[profile a]\ncredential_process = \(helper) 'two words' \"q\\\"d\" $HOME\n")
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let credentials = try await chain(home, transport: transport).credentials()
            #expect(credentials.accessKeyID == "ASIAPROCESS")
            #expect(credentials.secretAccessKey == Secret(copying: Self.canary))
            #expect(credentials.sessionToken == Secret(copying: "process-token"))
            #expect(credentials.expiration == Date(timeIntervalSince1970: 1_893_456_000))
            #expect(credentials.source == "profile 'a'")
            #expect(!String(describing: credentials).contains(Self.canary))
            // No shell: the words arrive as the AWS CLI passes them, `$HOME` unexpanded; stdin is /dev/null.
            #expect(try String(contentsOfFile: home.path + "/argv", encoding: .utf8) == "two words|q\"d|$HOME|")
            #expect(try String(contentsOfFile: home.path + "/stdin", encoding: .utf8) == "")
        }
    }

    @Test func credentialsAreCachedUntilShortlyBeforeTheyExpire() async throws {
        try await CredentialHome.with { home in
            let clock = CredentialClock()
            let expiry = ISO8601DateFormatter().string(from: clock.date.addingTimeInterval(3600))
            let helper = try script(
                home,
                "helper.sh",
                "echo run >> \"\(home.path)/runs\"\nprintf '%s' '\(document(expiration: expiry))'\n"
            )
            try home.writeConfig("[profile a]\ncredential_process = \(helper)\n")
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let provider = try chain(home, clock: clock, transport: transport)
            func runs() throws -> Int {
                try String(contentsOfFile: home.path + "/runs", encoding: .utf8).split(separator: "\n").count
            }
            _ = try await provider.credentials()
            _ = try await provider.credentials()
            #expect(try runs() == 1)
            clock.advance(3600 - 4 * 60)
            _ = try await provider.credentials()
            #expect(try runs() == 2)
        }
    }

    @Test func keysInTheCredentialsFileWinKeysInTheConfigFileDoNot() async throws {
        try await CredentialHome.with { home in
            let helper = try script(home, "helper.sh", "printf '%s' '\(document())'\n")
            try home.writeConfig(
                "[profile a]\ncredential_process = \(helper)\naws_access_key_id = AKIACONFIG\n"
                    + "aws_secret_access_key = config-secret\n"
            )
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            #expect(try await chain(home, transport: transport).credentials().accessKeyID == "ASIAPROCESS")
            try home.writeCredentials("[a]\naws_access_key_id = AKIAFILE\naws_secret_access_key = file-secret\n")
            #expect(try await chain(home, transport: transport).credentials().accessKeyID == "AKIAFILE")
        }
    }

    @Test func aCredentialProcessProfileCanSignARolesAssumeRole() async throws {
        try await CredentialHome.with { home in
            let sts = try ScriptedHTTPServer { _ in CredentialFixture.stsSuccess() }
            defer { sts.stop() }
            let helper = try script(home, "helper.sh", "printf '%s' '\(document(secret: "base-secret"))'\n")
            try home.writeConfig(
                "[profile a]\nrole_arn = \(CredentialFixture.roleARN)\nsource_profile = base\n"
                    + "[profile base]\ncredential_process = \(helper)\n"
            )
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let environment = home.processEnvironment
            let chain = AWSCredentialChain.make(
                settings: try home.settings(environment, profileVariable: "a", sts: sts.baseURL),
                processEnvironment: environment,
                transport: transport
            )
            let credentials = try await chain.credentials()
            #expect(credentials.accessKeyID == "ASIASTSKEY")
            let request = try #require(sts.requests.first)
            // Signed with the helper's key id.
            #expect(request.header("Authorization")?.contains("Credential=ASIAPROCESS/") == true)
        }
    }

    @Test(arguments: [
        ("exit 3", AWSCredentialError.Code.rejected, "failed (exit status 3)"),
        ("printf '%s' '{\"Version\": 2, \"SecretAccessKey\": \"\(canary)\"}'", .malformed, "unsupported \"Version\""),
        ("printf '%s' '{\"AccessKeyId\": \"A\", \"SecretAccessKey\": \"\(canary)\"}'", .malformed, "no \"Version\""),
        ("printf '%s' 'not json \(canary)'", .malformed, "not a JSON object"),
        ("printf '%s' '{\"Version\": 1, \"AccessKeyId\": \"A\"}'", .malformed, "no \"SecretAccessKey\""),
        (
            "printf '%s' '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"\(canary)\", "
                + "\"Expiration\": \"soon\"}'",
            .malformed, "\"Expiration\" that is not an ISO 8601 time"
        ),
        ("head -c 70000 /dev/zero | tr '\\\\0' x", .malformed, "more than 64 KiB"),
        ("kill -9 $$", .rejected, "ended by signal 9"),
    ])
    func failuresNameTheProfileAndNeverTheOutput(
        body: String,
        code: AWSCredentialError.Code,
        fragment: String
    ) async throws {
        try await CredentialHome.with { home in
            let helper = try script(home, "helper.sh", "printf '%s' '\(Self.canary)' > /dev/null\n\(body)\n")
            try home.writeConfig("[profile a]\nregion = eu-west-1\ncredential_process = \(helper) --flag\n")
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let error = try #require(await CredentialFixture.error(try chain(home, transport: transport)))
            #expect(error.code == code)
            #expect(error.message.contains(fragment), "\(error.message)")
            #expect(error.message.contains("of profile 'a' (~/.aws/config:3)"), "\(error.message)")
            #expect(!error.message.contains(Self.canary))
            #expect(!error.message.contains("--flag"))
        }
    }

    @Test func aMissingProgramSaysSo() async throws {
        try await CredentialHome.with { home in
            try home.writeConfig("[profile a]\ncredential_process = cfg-no-such-helper-7d1 --x\n")
            let transport = try CredentialFixture.transport()
            defer { transport.shutdown() }
            let error = try #require(await CredentialFixture.error(try chain(home, transport: transport)))
            #expect(error.code == .configuration)
            #expect(error.message.contains("'cfg-no-such-helper-7d1' of profile 'a'"), "\(error.message)")
            #expect(error.message.contains("was not found"), "\(error.message)")
        }
    }

    @Test func aCommandThatHangsIsStoppedWithWhatItStarted() async throws {
        try await CredentialHome.with { home in
            // The helper starts a grandchild that keeps stdout open: stopping only the helper would leave the read
            // waiting; the whole process group is stopped.
            let helper = try script(home, "helper.sh", "sleep 300 &\necho $! > \"\(home.path)/child\"\nsleep 300\n")
            let provider = try ProcessCredentialProvider(
                commandLine: helper,
                environment: ["PATH": "/usr/bin:/bin"],
                source: "profile 'a'",
                location: AWSSharedConfig.Location(file: "~/.aws/config", line: 2),
                timeout: .milliseconds(500)
            )
            let started = ContinuousClock.now
            let error = try #require(await CredentialFixture.error(provider))
            #expect(error.code == .unreachable)
            #expect(error.message.contains("did not finish within"), "\(error.message)")
            // A hang guard: far below the helper's 300 s, generous for a loaded 2-core machine (seen: 26 s).
            #expect(ContinuousClock.now - started < .seconds(120))
            let written = try String(contentsOfFile: home.path + "/child", encoding: .utf8)
            let child = try #require(Int32(written.trimmingCharacters(in: .whitespacesAndNewlines)))
            // Give the kernel a moment to deliver SIGKILL to the orphan, then check it is gone (or a zombie waiting
            // for whichever process adopted it).
            var gone = false
            for _ in 0..<50 where !gone {
                gone = Self.hasEnded(child)
                if !gone { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(gone)
        }
    }

    /// Whether `pid` no longer runs: no such process, or a zombie (state `Z` in `/proc/PID/stat`).
    private static func hasEnded(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    @Test func theDescriptionNamesTheProgramNotItsArguments() throws {
        let provider = try ProcessCredentialProvider(
            commandLine: "/opt/helper --token \(Self.canary)",
            environment: [:],
            source: "profile 'a'",
            location: AWSSharedConfig.Location(file: "~/.aws/config", line: 2)
        )
        #expect(String(describing: provider) == "credential_process '/opt/helper' of profile 'a' (~/.aws/config:2)")
        #expect(!String(reflecting: provider).contains(Self.canary))
    }
}
