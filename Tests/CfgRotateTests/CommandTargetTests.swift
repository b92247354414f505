import CfgProcess
import CfgRotation
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

@testable import CfgRotate

/// ``CommandTarget`` with real hooks: what reaches their stdin (and only their stdin), how their end maps to the
/// machine's answers, and logins without a test command.
struct CommandTargetTests {
    static let name = "airflow/prod/admin_password"

    /// A target whose every command records its input in `directory` and exits with `status`.
    static func recording(_ directory: String, status: Int32 = 0) -> CommandTarget {
        let command = HookScript.command(HookScript.recorder, [directory, String(status)])
        return CommandTarget(secret: name, apply: command, test: command, retire: command)
    }

    /// The canary (its unique `CANARY-<hex>` start, 23 characters) is on the hook's stdin, not in its argv or
    /// environment.
    static func assertOnlyStdin(_ canary: String, _ directory: String, calls: Int) {
        for call in 1...calls {
            #expect(HookScript.read(directory, "stdin.\(call)").contains(String(canary.prefix(23))))
            #expect(HookScript.read(directory, "environ.\(call)").contains("PATH="))
            Canary.assertAbsent(
                canary,
                in: [HookScript.read(directory, "cmdline.\(call)"), HookScript.read(directory, "environ.\(call)")]
            )
        }
    }

    @Test func applySendsPendingAsStringAndCurrentAsObject() async throws {
        try await TemporaryDirectory.with { directory in
            let canary = Canary.make()
            let current = try SecureJSON.object([
                ("username", Secret(copying: "admin")), ("password", Secret(copying: canary)),
            ])
            let result = await Self.recording(directory).apply(Secret(copying: canary), loggedInWith: current)
            #expect(result == .succeeded)
            let document = try HookScript.document(directory, "stdin.1")
            #expect(Set(document.keys) == ["phase", "secret", "pending", "current"])
            #expect(document["phase"] as? String == "apply")
            #expect(document["secret"] as? String == Self.name)
            #expect(document["pending"] as? String == canary)
            let object = try #require(document["current"] as? [String: String])
            #expect(object == ["username": "admin", "password": canary])
            // The members come in this order, and the object is spliced as it was written.
            let text = HookScript.read(directory, "stdin.1")
            #expect(text.hasPrefix(#"{"phase":"apply","secret":"airflow/prod/admin_password","pending":""#))
            #expect(text.hasSuffix(#","current":{"username":"admin","password":""# + Self.escaped(canary) + "\"}}"))
            Self.assertOnlyStdin(canary, directory, calls: 1)
        }
    }

    @Test func testLoginAndRetireSendTheirValue() async throws {
        try await TemporaryDirectory.with { directory in
            let canary = Canary.make()
            let target = Self.recording(directory)
            #expect(await target.tryLogin(with: Secret(copying: canary + "-login")) == .succeeded)
            #expect(await target.test(Secret(copying: canary + "-test")) == .succeeded)
            #expect(await target.retire(Secret(copying: canary + "-old")) == .succeeded)
            let login = try HookScript.document(directory, "stdin.1")
            #expect(login as NSDictionary == ["phase": "test", "secret": Self.name, "pending": canary + "-login"])
            let test = try HookScript.document(directory, "stdin.2")
            #expect(test as NSDictionary == ["phase": "test", "secret": Self.name, "pending": canary + "-test"])
            let retire = try HookScript.document(directory, "stdin.3")
            #expect(retire as NSDictionary == ["phase": "retire", "secret": Self.name, "old": canary + "-old"])
            Self.assertOnlyStdin(canary, directory, calls: 3)
        }
    }

    @Test(arguments: [
        (Int32(0), RotationMachine.TargetResult.succeeded), (1, .rejected), (2, .rejected), (126, .rejected),
        (75, .unreachable),
    ])
    func exitStatusIsTheAnswer(_ status: Int32, _ answer: RotationMachine.TargetResult) async throws {
        try await TemporaryDirectory.with { directory in
            let target = Self.recording(directory, status: status)
            let value = Secret(copying: "v")
            #expect(await target.apply(value, loggedInWith: value) == answer)
            #expect(await target.test(value) == answer)
            #expect(await target.tryLogin(with: value) == answer)
            #expect(await target.retire(value) == answer)
        }
    }

    /// Nothing is known about the target's state when the hook did not end by itself or never ran.
    @Test(arguments: ["kill -KILL $$", "sleep 300", "no-such-hook-xyz"])
    func hookThatDidNotAnswerIsUnreachable(_ script: String) async {
        let command =
            script.hasPrefix("no-such")
            ? HookCommand(arguments: [script], environment: HookCommand.processEnvironment(), timeout: .seconds(60))
            : HookScript.shell(script, timeout: .milliseconds(300))
        let target = CommandTarget(secret: Self.name, apply: command)
        let value = Secret(copying: "v")
        #expect(await target.apply(value, loggedInWith: value) == .unreachable)
    }

    /// Without a test command: the first value of a login sequence (the pending one) is refused, the next (the current
    /// one) accepted, so the apply command runs; `test` and `retire` succeed without running anything.
    @Test func withoutTestCommandTheApplyCommandRunsEveryTime() async throws {
        try await TemporaryDirectory.with { directory in
            let apply = HookScript.command(HookScript.recorder, [directory, "0"])
            let target = CommandTarget(secret: Self.name, apply: apply)
            let pending = Secret(copying: "pending")
            let current = Secret(copying: "current")
            #expect(await target.tryLogin(with: pending) == .rejected)
            #expect(await target.tryLogin(with: pending) == .rejected)
            #expect(await target.tryLogin(with: current) == .succeeded)
            #expect(await target.apply(pending, loggedInWith: current) == .succeeded)
            #expect(await target.test(pending) == .succeeded)
            #expect(await target.retire(current) == .succeeded)
            // The next rotation's login sequence starts again.
            #expect(await target.tryLogin(with: Secret(copying: "next")) == .rejected)
            #expect(await target.tryLogin(with: pending) == .succeeded)
            // Only apply ran a command.
            #expect(FileManager.default.fileExists(atPath: directory + "/stdin.1"))
            #expect(!FileManager.default.fileExists(atPath: directory + "/stdin.2"))
        }
    }

    /// A value that cannot be written as JSON (not UTF-8, not an object) never reaches a hook.
    @Test func valueThatIsNotTextIsUnreachableWithoutRunningTheHook() async throws {
        try await TemporaryDirectory.with { directory in
            let target = Self.recording(directory)
            let binary = Secret(bytes: [0xff, 0xfe, 0x00])
            #expect(await target.apply(binary, loggedInWith: Secret(copying: "v")) == .unreachable)
            #expect(await target.test(binary) == .unreachable)
            #expect(!FileManager.default.fileExists(atPath: directory + "/stdin.1"))
        }
    }

    @Test func afterHookGetsItsFacts() async throws {
        try await TemporaryDirectory.with { directory in
            let runner = HookRunner(command: HookScript.command(HookScript.recorder, [directory, "3"]))
            #expect(await runner.after(secret: Self.name, version: "7") == .exited(3))
            #expect(
                HookScript.read(directory, "stdin.1") == #"{"phase":"after","secret":"\#(Self.name)","version":"7"}"#
            )
            #expect(await runner.run(phase: "confirm", secret: Self.name) == .exited(3))
            #expect(HookScript.read(directory, "stdin.2") == #"{"phase":"confirm","secret":"\#(Self.name)"}"#)
        }
    }

    /// `text` as a JSON string's contents (RFC 8259 escapes, as SecureJSONWriter writes them).
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
