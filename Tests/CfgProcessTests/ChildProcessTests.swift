import CfgTestSupport
import Foundation
import Testing

@testable import CfgProcess

#if canImport(Glibc)
import Glibc
#endif

/// Real children started the way `cfg run` starts its command (fork and `execve` in C), signalled and reaped.
struct ChildProcessTests {
    @Test(arguments: [Int32(0), 3, 255])
    func exitStatusIsReported(_ status: Int32) async throws {
        let child = try Child.spawn(Child.shell("exit \(status)"))
        #expect(try await Child.exit(of: child) == .exited(status))
    }

    /// Signals whose default action dumps no core (a core file would land in the working directory).
    @Test(arguments: [SIGKILL, SIGTERM, SIGUSR1])
    func deathBySignalIsReported(_ signal: Int32) async throws {
        let child = try Child.spawn(Child.shell("kill -\(signal) $$; sleep 5"))
        #expect(try await Child.exit(of: child) == .signalled(signal))
    }

    @Test func commandGetsItsEnvironmentAndArgumentsOnly() async throws {
        try await TemporaryDirectory.with { directory in
            let out = directory + "/out"
            let command = Command(
                arguments: [
                    "sh", "-c", #"printf '%s|%s|%s|%s' "$0" "$1" "$VALUE" "${HOME-unset}" > "$OUT""#, "zero", "arg one",
                ],
                environment: [
                    (name: "PATH", value: Child.path), (name: "VALUE", value: "a b=c"), (name: "OUT", value: out),
                ]
            )
            let child = try Child.spawn(command)
            #expect(try await Child.exit(of: child) == .exited(0))
            #expect(Child.read(out) == "zero|arg one|a b=c|unset")
        }
    }

    @Test(arguments: [SIGTERM, SIGHUP])
    func signalSentToTheCommandArrives(_ signal: Int32) async throws {
        try await TemporaryDirectory.with { directory in
            let log = directory + "/log"
            let script = "trap 'echo got >> \(log); exit 7' \(signal); echo ready >> \(log); \(Child.idle)"
            let child = try Child.spawn(Child.shell(script))
            try await Child.wait { Child.read(log) == "ready\n" }
            child.send(signal)
            let exit = try await Child.exit(of: child)
            #expect(exit == .exited(7))
            #expect(Child.read(log) == "ready\ngot\n")
        }
    }

    /// Read from /proc while the command runs (a shell would change its own mask).
    @Test func commandStartsWithTheGivenSignalMask() async throws {
        var mask = SignalMask.empty
        sigaddset(&mask, SIGUSR1)
        let command = Command(arguments: ["sleep", "30"], environment: [(name: "PATH", value: Child.path)])
        let child = try ChildProcess.spawn(command, signalMask: mask, as: "test")
        let status = "/proc/\(child.pid)/status"
        func field(_ name: String) -> String? {
            Child.read(status).split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
        }
        try await Child.wait { field("Name") == "sleep" }
        let blocked = try #require(field("SigBlk").flatMap { UInt64($0, radix: 16) })
        #expect(blocked == 1 << (SIGUSR1 - 1))
        child.send(SIGKILL)
        #expect(try await Child.exit(of: child) == .signalled(SIGKILL))
    }

    @Test func missingProgramIsNotFound() throws {
        let command = Command(arguments: ["no-such-command-xyz"], environment: [(name: "PATH", value: Child.path)])
        let error = #expect(throws: ProcessError.self) {
            try ChildProcess.spawn(command, signalMask: SignalMask.empty, as: "run")
        }
        #expect(error?.code == .commandNotFound)
        #expect(error?.description.hasPrefix("run: command 'no-such-command-xyz' not found (") == true)
    }

    /// The child's failed `execve` comes back through the pipe: the file exists but is not a program.
    @Test func fileThatIsNotAProgramCannotRun() throws {
        try Child.withDirectory { directory in
            let file = directory + "/plain-file"
            _ = FileManager.default.createFile(
                atPath: file,
                contents: Data("text\n".utf8),
                attributes: [.posixPermissions: 0o644]
            )
            let error = #expect(throws: ProcessError.self) {
                try ChildProcess.spawn(
                    Command(arguments: [file], environment: []),
                    signalMask: SignalMask.empty,
                    as: "run"
                )
            }
            #expect(error?.code == .commandNotExecutable)
            #expect(error?.systemErrorNumber == EACCES)
        }
    }
}

/// Reaping: only ended children, and (in this mode) only the one asked for.
struct ReaperTests {
    @Test func runningChildIsNotReapedAndAnotherEndedChildIsLeftAlone() async throws {
        try await TemporaryDirectory.with { directory in
            let stop = directory + "/stop"
            let waiting = try Child.spawn(Child.shell("while [ ! -e \(stop) ]; do sleep 0.05; done; exit 4"))
            let quick = try Child.spawn(Child.shell("exit 5"))
            // Wait for `quick` to end without reaping it (WNOWAIT).
            var info = siginfo_t()
            #expect(waitid(P_PID, id_t(quick.pid), &info, WEXITED | WNOWAIT) == 0)
            #expect(Reaper.reap(waiting) == nil)
            #expect(Reaper.reap(quick) == .exited(5))
            _ = FileManager.default.createFile(atPath: stop, contents: Data())
            #expect(try await Child.exit(of: waiting) == .exited(4))
        }
    }
}
