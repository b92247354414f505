import CfgSecure
import CfgTestSupport
import Foundation
import Testing

@testable import CfgProcess

#if canImport(Glibc)
import Glibc
#endif

/// Real hooks started by ``HookCommand``: their exit, their stdin, what they do not get (the value in argv or the
/// environment, cfg's descriptors), timeouts and programs that are not there.
struct HookCommandTests {
    /// A secret value that must reach a hook only on its stdin.
    static let canary = "canary-hook-7f3a91c2-value"

    /// cfg's own environment, as `cfg rotate` passes it (python3 may live under a version manager's shims).
    static func hook(
        _ arguments: [String],
        timeout: Duration = .seconds(60),
        grace: Duration = .seconds(5)
    ) -> HookCommand {
        HookCommand(
            arguments: arguments,
            environment: HookCommand.processEnvironment(),
            timeout: timeout,
            grace: grace
        )
    }

    /// `/bin/sh -c script`, with cfg's own environment.
    static func shell(
        _ script: String,
        timeout: Duration = .seconds(60),
        grace: Duration = .seconds(5)
    ) -> HookCommand {
        hook(["/bin/sh", "-c", script], timeout: timeout, grace: grace)
    }

    /// Whether `pid` is gone or a zombie (of some other parent): it runs no more.
    static func notRunning(_ pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return true }
        return status.split(separator: "\n").contains { $0.hasPrefix("State:") && $0.contains("Z") }
    }

    @Test(arguments: [Int32(0), 1, 3, 255])
    func exitStatusIsReported(_ status: Int32) async {
        let outcome = await Self.shell("exit \(status)").run(input: Secret(copying: "{}"))
        #expect(outcome == .exited(status))
        #expect(outcome.succeeded == (status == 0))
    }

    @Test func deathBySignalIsReported() async {
        let outcome = await Self.shell("kill -USR1 $$; sleep 5").run(input: Secret(copying: "{}"))
        #expect(outcome == .signalled(SIGUSR1))
        #expect(outcome.description == "was killed by signal \(SIGUSR1)")
    }

    /// The hook reads its whole stdin and compares it with the value, which it knows only from there (it exits 0 only
    /// when stdin is exactly the document).
    @Test func hookReadsTheInputOnStdin() async {
        let document = #"{"phase":"test","pending":"\#(Self.canary)"}"#
        let script = """
            import sys, json
            data = sys.stdin.buffer.read()
            sys.exit(0 if json.loads(data) == {"phase": "test", "pending": sys.argv[1]} else 1)
            """
        // The expected value is this test's own literal; the hook gets it in argv only to compare (not a secret).
        let outcome = await Self.hook(["python3", "-c", script, Self.canary]).run(input: Secret(copying: document))
        #expect(outcome == .exited(0))
    }

    /// More than a pipe holds (64 KiB), so the write waits for the reader.
    @Test func largeInputReachesTheHookWhole() async {
        let size = 1 << 20
        let input = Secret(count: size) { $0.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "x")) }
        let script = "import sys; data = sys.stdin.buffer.read(); sys.exit(0 if data == b'x' * \(size) else 1)"
        // A generous limit: on a loaded 2-core machine the pool that resumes the polling writer can be slow.
        #expect(await Self.hook(["python3", "-c", script], timeout: .seconds(300)).run(input: input) == .exited(0))
    }

    /// The hook closes its stdin and exits without reading: the write fails with EPIPE, and SIGPIPE (whose default
    /// action would end the test process) is never delivered.
    @Test(arguments: ["exec 0<&-; exit 0", "exit 0", "exec 0<&-; sleep 0.2; exit 4"])
    func hookThatIgnoresItsStdinDoesNotHurtCfg(_ script: String) async {
        let input = Secret(count: 1 << 20) { $0.initializeMemory(as: UInt8.self, repeating: 0x41) }
        let outcome = await Self.shell(script).run(input: input)
        #expect(outcome == .exited(script.hasSuffix("4") ? 4 : 0))
        var pending = sigset_t()
        sigpending(&pending)
        #expect(sigismember(&pending, SIGPIPE) == 0)
    }

    /// A hook that never ends is stopped at its timeout: its process group gets SIGTERM (here ignored), then SIGKILL
    /// after the grace period, and it is reaped (no zombie); its background child is gone too.
    @Test func hookThatNeverEndsTimesOutAndIsReaped() async throws {
        try await TemporaryDirectory.with { directory in
            let pids = directory + "/pids"
            let script = "trap '' TERM; sleep 300 & echo $$ $! > \(pids); while :; do sleep 0.05; done"
            let started = ContinuousClock.now
            let outcome = await Self.shell(script, timeout: .milliseconds(500), grace: .milliseconds(300))
                .run(input: Secret(copying: "{}"))
            #expect(outcome == .timedOut)
            // A hang guard: far below the hook's 300 s sleep, generous for a loaded 2-core machine.
            #expect(ContinuousClock.now - started < .seconds(120))
            let numbers = try String(contentsOfFile: pids, encoding: .utf8).split(separator: " ")
                .compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            try #require(numbers.count == 2)
            var status: Int32 = 0
            #expect(waitpid(numbers[0], &status, WNOHANG) == -1 && errno == ECHILD)
            #expect(Self.notRunning(numbers[0]))
            // SIGKILL reached the background child too; it ends a moment later (the hook was reaped before).
            try await Child.wait { Self.notRunning(numbers[1]) }
        }
    }

    /// A hook that reads nothing and never ends, with more input than a pipe holds: feeding it stops at the timeout.
    @Test func hookThatNeverReadsTimesOutWhileFed() async {
        let input = Secret(count: 1 << 20) { $0.initializeMemory(as: UInt8.self, repeating: 0x41) }
        let outcome = await Self.shell("sleep 300", timeout: .milliseconds(300), grace: .milliseconds(300))
            .run(input: input)
        #expect(outcome == .timedOut)
    }

    /// Cancelling the task stops the hook like a timeout.
    @Test func cancelledRunStopsTheHook() async {
        let outcome = await withTaskGroup(of: HookOutcome.self) { group in
            group.addTask { await Self.shell("sleep 300", grace: .milliseconds(300)).run(input: Secret(copying: "{}")) }
            try? await Task.sleep(for: .milliseconds(200))
            group.cancelAll()
            return await group.next() ?? .exited(-1)
        }
        #expect(outcome == .timedOut)
    }

    @Test func missingProgramCannotStart() async {
        let outcome = await Self.hook(["no-such-hook-xyz"]).run(input: Secret(copying: Self.canary))
        guard case .couldNotStart(let reason) = outcome else {
            Issue.record("expected couldNotStart, got \(outcome)")
            return
        }
        #expect(reason.hasPrefix("hook: command 'no-such-hook-xyz' not found ("))
        #expect(!reason.contains(Self.canary))
    }

    @Test func fileThatIsNotAProgramCannotStart() async throws {
        try await TemporaryDirectory.with { directory in
            let file = directory + "/plain-file"
            _ = FileManager.default.createFile(
                atPath: file,
                contents: Data("text\n".utf8),
                attributes: [.posixPermissions: 0o644]
            )
            let outcome = await Self.hook([file]).run(input: Secret(copying: "{}"))
            guard case .couldNotStart(let reason) = outcome else {
                Issue.record("expected couldNotStart, got \(outcome)")
                return
            }
            #expect(reason.hasPrefix("hook: cannot run '\(file)': "))
        }
    }

    @Test func emptyCommandCannotStart() async {
        #expect(await Self.hook([]).run(input: Secret(copying: "{}")) == .couldNotStart("hook: no command given."))
    }

    /// From inside the hook: its argv and environment (/proc/self/cmdline, /proc/self/environ) hold no trace of the
    /// value, its stdin does; its stdout is cfg's stderr; it holds no descriptor but 0, 1 and 2 (a descriptor this
    /// process opened without close-on-exec included).
    @Test func valueReachesOnlyStdinAndNoDescriptorLeaks() async throws {
        try await TemporaryDirectory.with { directory in
            let leaky = directory + "/leaky"
            _ = FileManager.default.createFile(atPath: leaky, contents: Data("x".utf8))
            let descriptor = open(leaky, O_RDONLY)  // deliberately without O_CLOEXEC
            try #require(descriptor > 2)
            defer { close(descriptor) }
            let script = """
                import os, sys
                d = sys.argv[1]
                def save(name, data):
                    with open(os.path.join(d, name), "wb") as f:
                        f.write(data)
                save("stdin", sys.stdin.buffer.read())
                save("cmdline", open("/proc/self/cmdline", "rb").read())
                save("environ", open("/proc/self/environ", "rb").read())
                fds = []
                for name in os.listdir("/proc/self/fd"):
                    try:
                        fds.append(name + "=" + os.readlink("/proc/self/fd/" + name))
                    except OSError:
                        pass  # the directory listing's own descriptor, closed by now
                save("fds", "\\n".join(sorted(fds)).encode())
                same = os.path.samestat(os.fstat(1), os.fstat(2))
                save("stdout", b"stderr" if same else b"other")
                """
            let outcome = await Self.hook(["python3", "-c", script, directory])
                .run(input: Secret(copying: #"{"pending":"\#(Self.canary)"}"#))
            #expect(outcome == .exited(0))
            func read(_ name: String) -> String { Child.read(directory + "/" + name) }
            #expect(read("stdin").contains(Self.canary))
            #expect(read("cmdline").contains("python"))
            #expect(!read("cmdline").contains(Self.canary))
            #expect(read("environ").contains("PATH="))
            #expect(!read("environ").contains(Self.canary))
            #expect(read("stdout") == "stderr")
            let fds = read("fds").split(separator: "\n").map(String.init)
            #expect(fds.map { $0.prefix { $0 != "=" } }.sorted() == ["0", "1", "2"])
            #expect(fds.first { $0.hasPrefix("0=") }?.hasPrefix("0=pipe:") == true)
            #expect(!fds.contains { $0.hasSuffix(leaky) })
        }
    }

    /// The hook gets exactly the environment it is given, and the program is located on that environment's PATH.
    @Test func hookGetsTheGivenEnvironment() async throws {
        try await TemporaryDirectory.with { directory in
            let out = directory + "/out"
            let command = HookCommand(
                arguments: ["sh", "-c", #"printf '%s|%s' "$ONLY" "${HOME-unset}" > "$0""#, out],
                environment: [(name: "PATH", value: Child.path), (name: "ONLY", value: "a b=c")],
                timeout: .seconds(60)
            )
            #expect(command.executablePath == "/usr/bin/sh" || command.executablePath == "/bin/sh")
            #expect(await command.run(input: Secret(copying: "{}")) == .exited(0))
            #expect(Child.read(out) == "a b=c|unset")
        }
    }

    @Test func descriptionsNameNoValue() {
        #expect(HookOutcome.exited(3).description == "exited with status 3")
        #expect(HookOutcome.timedOut.description == "timed out")
        #expect(HookOutcome.couldNotStart("hook: x.").description == "hook: x.")
    }
}
