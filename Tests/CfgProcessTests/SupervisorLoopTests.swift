import CfgBackend
import CfgEngine
import CfgSecure
import CfgTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import CfgProcess

#if canImport(Glibc)
import Glibc
#endif

/// `cfg run`'s loop with real, short-lived children: it starts the command, forwards signals, stops and restarts it
/// when the values change, kills one that outlives the stop timeout, ends as the command ended, and cleans up.
///
/// The signals come from the test (``ManualSignals``), not from handlers of the test runner's, and SIGCHLD is sent
/// every 20 ms in place of the kernel's; only the command is reaped (`adoptsOrphans` is false: the runner has
/// children of its own). The two tests of the loop as `cfg run` configures it (the process's own signals, orphans
/// reaped as a subreaper) run as exit tests, in a process of their own.
struct SupervisorLoopTests {
    static func policy(
        refresh: Duration? = nil,
        onChange: Supervisor.OnChange = .restart,
        stopTimeout: Duration = .seconds(30)
    ) -> Supervisor.Policy {
        Supervisor.Policy(
            refresh: refresh,
            onChange: onChange,
            debounce: .zero,
            stopSignal: SIGTERM,
            stopTimeout: stopTimeout,
            retry: .seconds(10),
            terminating: [SIGTERM, SIGINT, SIGQUIT]
        )
    }

    @Test(arguments: [("exit 3", ChildExit.exited(3)), ("kill -KILL $$", .signalled(SIGKILL))])
    func loopEndsAsTheCommandEnded(_ script: String, _ expected: ChildExit) async throws {
        let harness = Harness(script: script)
        #expect(try await harness.run(Self.policy()) == expected)
        #expect(harness.backend.closed)
        #expect(harness.notes.isEmpty)
    }

    @Test func signalIsForwardedAndATerminatingOneEndsTheLoopWithTheCommand() async throws {
        try await TemporaryDirectory.with { directory in
            let log = directory + "/log"
            let script = """
                trap 'echo hup >> \(log)' HUP; trap 'echo term >> \(log); exit 3' TERM; echo ready >> \(log); \
                \(Child.idle)
                """
            let harness = Harness(script: script)
            let exit = try await harness.run(
                Self.policy(),
                stages: [
                    .init(until: { Child.read(log) == "ready\n" }, then: { $0.send(SIGHUP) }),
                    .init(until: { Child.read(log) == "ready\nhup\n" }, then: { $0.send(SIGTERM) }),
                ]
            )
            #expect(exit == .exited(3))
            #expect(Child.read(log) == "ready\nhup\nterm\n")
        }
    }

    @Test func signalFromTheTerminalIsNotForwarded() async throws {
        try await TemporaryDirectory.with { directory in
            let log = directory + "/log"
            let script = """
                trap 'echo int >> \(log); exit 9' INT; trap 'echo usr1 >> \(log); exit 4' USR1; \
                echo ready >> \(log); \(Child.idle)
                """
            let harness = Harness(script: script)
            let exit = try await harness.run(
                Self.policy(),
                stages: [
                    // The kernel sent SIGINT to the whole foreground group: the command has it already.
                    .init(until: { Child.read(log) == "ready\n" }, then: { $0.send(SIGINT, fromTerminal: true) }),
                    .init(until: { true }, then: { $0.send(SIGUSR1) }),
                ]
            )
            #expect(exit == .exited(4))
            #expect(Child.read(log) == "ready\nusr1\n")
        }
    }

    @Test func changedValuesRestartTheCommandWithThem() async throws {
        try await TemporaryDirectory.with { directory in
            let log = directory + "/log"
            let script = """
                trap 'echo "stopped $VALUE" >> \(log); exit 0' TERM; echo "started $VALUE" >> \(log); \(Child.idle)
                """
            let harness = Harness(script: script, values: ["one", "two"])
            let exit = try await harness.run(
                Self.policy(refresh: .milliseconds(50)),
                stages: [
                    .init(
                        until: { Child.read(log) == "started one\nstopped one\nstarted two\n" },
                        then: { $0.send(SIGTERM) }
                    )
                ]
            )
            #expect(exit == .exited(0))
            #expect(Child.read(log) == "started one\nstopped one\nstarted two\nstopped two\n")
            let notes = harness.notes
            #expect(notes.first == "run: the secrets changed (environment).")
            #expect(notes.contains { $0.hasPrefix("run: stopping the command (pid ") })
            #expect(notes.contains { $0.hasPrefix("run: restarted the command with the new values (pid ") })
            #expect(harness.preparations >= 2)
        }
    }

    @Test func unchangedValuesLeaveTheCommandRunning() async throws {
        try await TemporaryDirectory.with { directory in
            let log = directory + "/log"
            let script = "trap 'exit 6' TERM; echo \"started $VALUE\" >> \(log); \(Child.idle)"
            let harness = Harness(script: script, values: ["same"])
            let exit = try await harness.run(
                Self.policy(refresh: .milliseconds(20)),
                stages: [
                    .init(until: { harness.preparations >= 5 }, then: { $0.send(SIGTERM) })
                ]
            )
            #expect(exit == .exited(6))
            #expect(Child.read(log) == "started same\n")
            #expect(harness.notes.isEmpty)
        }
    }

    @Test func commandThatOutlivesTheStopTimeoutIsKilledAndRestarted() async throws {
        try await TemporaryDirectory.with { directory in
            let log = directory + "/log"
            // The first command ignores SIGTERM; the second stops on it.
            let script = """
                if [ "$VALUE" = one ]; then trap '' TERM; else trap 'exit 0' TERM; fi; \
                echo "started $VALUE" >> \(log); \(Child.idle)
                """
            let harness = Harness(script: script, values: ["one", "two"])
            let exit = try await harness.run(
                Self.policy(refresh: .milliseconds(50), stopTimeout: .milliseconds(200)),
                stages: [
                    .init(until: { Child.read(log) == "started one\nstarted two\n" }, then: { $0.send(SIGTERM) })
                ]
            )
            #expect(exit == .exited(0))
            #expect(harness.notes.contains { $0.hasSuffix("outlived run.stop_timeout; killing it.") })
        }
    }

    @Test func valuesThatCannotBePreparedStartNothing() async throws {
        try await TemporaryDirectory.with { directory in
            let marker = directory + "/started"
            let harness = Harness(script: "touch \(marker)", values: [])
            let error = await #expect(throws: EngineError.self) { try await harness.run(Self.policy()) }
            #expect(error?.code == .unresolved)
            #expect(!FileManager.default.fileExists(atPath: marker))
            #expect(harness.backend.closed)
        }
    }

    @Test func commandThatCannotBeStartedEndsTheLoop() async throws {
        let harness = Harness(arguments: ["no-such-command-xyz"])
        let error = await #expect(throws: ProcessError.self) { try await harness.run(Self.policy()) }
        #expect(error?.code == .commandNotFound)
        #expect(error?.description.hasPrefix("run: command 'no-such-command-xyz' not found (") == true)
        #expect(harness.backend.closed)
    }

    /// In a process of its own (an exit test): as a subreaper, the loop reaps every child that ends, which in the
    /// test runner would take the statuses of other tests' children.
    @Test func orphanOfTheCommandIsReapedAsASubreaper() async {
        await #expect(processExitsWith: .success) {
            let directory = try TemporaryDirectory.create()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let orphan = directory + "/orphan"
            let parent = directory + "/parent"
            // The subshell exits at once: its `sleep` is an orphan, re-parented to the nearest subreaper.
            let script = """
                (sleep 0.3 & echo $! > \(orphan)); sleep 0.1; cut -d' ' -f4 /proc/$(cat \(orphan))/stat > \(parent); \
                sleep 1
                """
            let exit = try await Harness(script: script).run(SupervisorLoopTests.policy(), adoptsOrphans: true)
            let pid = try #require(Int32(Child.read(orphan).trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(exit == .exited(0))
            #expect(Child.read(parent) == "\(getpid())\n")
            // Reaped: not even a zombie is left.
            #expect(!FileManager.default.fileExists(atPath: "/proc/\(pid)"))
        }
    }

    /// In a process of its own (an exit test), with the process's own signals: the C handlers, the pipe and the
    /// reading thread of ``SignalPump`` (SIGCHLD included), as in `cfg run`.
    @Test func signalsToTheProcessReachTheCommandThroughThePump() async {
        await #expect(processExitsWith: .success) {
            let directory = try TemporaryDirectory.create()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let log = directory + "/log"
            let script = """
                trap 'echo hup >> \(log)' HUP; trap 'echo term >> \(log); exit 5' TERM; echo ready >> \(log); \
                \(Child.idle)
                """
            let harness = Harness(script: script)
            let loop = harness.loop(SupervisorLoopTests.policy())
            let exit = try await withThrowingTaskGroup(of: ChildExit?.self) { group in
                group.addTask { try await loop.run(backend: harness.backend) }
                group.addTask {
                    try await Child.wait { Child.read(log) == "ready\n" }
                    kill(getpid(), SIGHUP)
                    try await Child.wait { Child.read(log) == "ready\nhup\n" }
                    kill(getpid(), SIGTERM)
                    return nil
                }
                var exit: ChildExit?
                for try await result in group where result != nil { exit = result }
                return exit
            }
            #expect(exit == .exited(5))
            #expect(Child.read(log) == "ready\nhup\nterm\n")
        }
    }

    /// The secret files go to a directory in memory (/dev/shm), as `exec.secrets_dir` must be.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/shm")))
    func leasesAreRevokedAndSecretFilesRemovedWhenTheCommandEnds() async throws {
        let root = "/dev/shm/cfg-process-test-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await TemporaryDirectory.with { directory in
            let location = SecretFileLocation(root: root, environmentName: "test", service: "worker")
            let copy = directory + "/copy"
            let harness = Harness(
                script: "cat \"$KEY_FILE\" > \(copy)",
                files: location,
                backend: FakeBackend(leasing: true)
            )
            let exit = try await harness.run(Self.policy())
            #expect(exit == .exited(0))
            #expect(Child.read(copy) == "file content")
            #expect(!FileManager.default.fileExists(atPath: location.path))
            // The session renewal the start asks for may finish at any time.
            #expect(harness.backend.calls.filter { $0 != "renewSession" } == ["fetch", "revoke lease-1", "close"])
        }
    }
}

// MARK: - Harness

extension SupervisorLoopTests {
    /// Signals a test sends to the loop in place of the process's own.
    final class ManualSignals: SignalSource {
        private let deliver = Mutex<(@Sendable (Int32, Bool) -> Void)?>(nil)

        func start(_ deliver: @escaping @Sendable (Int32, Bool) -> Void) throws(ProcessError) {
            self.deliver.withLock { $0 = deliver }
        }

        func send(_ signal: Int32, fromTerminal: Bool = false) {
            deliver.withLock { $0 }?(signal, fromTerminal)
        }
    }

    /// One step of a test: once `until` holds, `then` sends the loop its signals.
    struct Stage: Sendable {
        var until: @Sendable () -> Bool
        var then: @Sendable (ManualSignals) -> Void
    }

    /// A loop over `/bin/sh -c script` whose `VALUE` is the next of `values` at each preparation (the last one
    /// repeats; none: the preparation fails), with its notes kept.
    final class Harness: Sendable {
        let arguments: [String]
        let values: [String]
        let files: SecretFileLocation?
        let backend: FakeBackend
        private let state = Mutex<(preparations: Int, notes: [String])>((0, []))

        init(
            script: String = "",
            arguments: [String]? = nil,
            values: [String] = ["v"],
            files: SecretFileLocation? = nil,
            backend: FakeBackend = FakeBackend(leasing: false)
        ) {
            self.arguments = arguments ?? ["/bin/sh", "-c", script]
            self.values = values
            self.files = files
            self.backend = backend
        }

        var preparations: Int { state.withLock { $0.preparations } }
        var notes: [String] { state.withLock { $0.notes } }

        /// Runs the loop; SIGCHLD every 20 ms, and the stages in order. A loop still running after the hang guard
        /// gets SIGKILL forwarded to its command.
        func run(
            _ policy: Supervisor.Policy,
            stages: [Stage] = [],
            adoptsOrphans: Bool = false
        ) async throws -> ChildExit {
            let signals = ManualSignals()
            var loop = loop(policy)
            loop.signals = signals
            loop.adoptsOrphans = adoptsOrphans
            loop.signalMask = SignalMask.empty
            let configured = loop
            return try await withThrowingTaskGroup(of: ChildExit?.self) { group in
                group.addTask { try await configured.run(backend: self.backend) }
                group.addTask {
                    var next = 0
                    let deadline = ContinuousClock.now + Child.patience
                    while ContinuousClock.now < deadline {
                        signals.send(SIGCHLD)
                        while next < stages.count, stages[next].until() {
                            stages[next].then(signals)
                            next += 1
                        }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    Issue.record("the loop outlived the hang guard")
                    signals.send(SIGKILL)
                    while true {
                        signals.send(SIGCHLD)
                        try await Task.sleep(for: .milliseconds(20))
                    }
                }
                while let result = try await group.next() {
                    if let exit = result {
                        group.cancelAll()
                        return exit
                    }
                }
                throw CancellationError()
            }
        }

        /// The loop as `cfg run` configures it, but for the signal mask (the runner saved none) and the notes.
        func loop(_ policy: Supervisor.Policy) -> SupervisorLoop {
            var loop = SupervisorLoop(
                arguments: arguments,
                policy: policy,
                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
                report: { line in self.state.withLock { $0.notes.append(line) } },
                prepare: { backend throws(EngineError) in try await self.prepare(backend) }
            )
            loop.signalMask = SignalMask.empty
            return loop
        }

        private func prepare(_ backend: any SecretBackend) async throws(EngineError) -> ServiceLaunch {
            let index = state.withLock { state in
                defer { state.preparations += 1 }
                return state.preparations
            }
            guard !values.isEmpty else { throw EngineError(.unresolved, "values: none left") }
            // A read through the loop's backend, as the engine does (a dynamic secret, kept with its lease).
            _ = try? await backend.fetch(SecretRequest(path: SecretPath("database/creds/app"), dynamic: true))
            let value = values[min(index, values.count - 1)]
            var commandEnvironment: [(name: String, value: String)] = [
                (name: "PATH", value: Child.path), (name: "VALUE", value: value),
            ]
            guard let files else { return ServiceLaunch(commandEnvironment: commandEnvironment) }
            commandEnvironment.append((name: "KEY_FILE", value: files.path + "/key"))
            return ServiceLaunch(
                commandEnvironment: commandEnvironment,
                files: [SecretFile(name: "key", content: Secret(copying: "file content"))],
                location: files
            )
        }
    }

    /// A backend that records its calls; with leasing, each dynamic read issues a lease.
    final class FakeBackend: LeasingBackend {
        let leasing: Bool
        private let state = Mutex<(calls: [String], issued: Int)>(([], 0))

        init(leasing: Bool) {
            self.leasing = leasing
        }

        var kind: String { "fake" }
        var calls: [String] { state.withLock { $0.calls } }
        var closed: Bool { calls.contains("close") }

        private func record(_ call: String) { state.withLock { $0.calls.append(call) } }

        func fetch(_ request: SecretRequest) async throws(BackendError) -> SecretVersion {
            guard leasing else { throw BackendError(.notFound, backend: kind, path: request.path, message: "none") }
            let issued = state.withLock { state in
                state.calls.append("fetch")
                state.issued += 1
                return state.issued
            }
            return SecretVersion(
                path: request.path,
                versionID: "\(issued)",
                labels: [.current],
                createdAt: Date(),
                payload: Secret(copying: "{}"),
                lease: SecretLease(id: "lease-\(issued)", duration: .seconds(3600), renewable: true, issuedAt: Date())
            )
        }

        func store(
            _ payload: Secret,
            at path: SecretPath,
            labels: Set<VersionLabel>,
            expectedCurrent: String?
        ) async throws(BackendError) -> String {
            throw BackendError(.unsupported, backend: kind, path: path, message: "read-only")
        }

        func moveLabel(_ label: VersionLabel, to versionID: String, at path: SecretPath) async throws(BackendError) {
            throw BackendError(.unsupported, backend: kind, path: path, message: "read-only")
        }

        func removeLabel(_ label: VersionLabel, at path: SecretPath) async throws(BackendError) {
            throw BackendError(.unsupported, backend: kind, path: path, message: "read-only")
        }

        func fetchMetadata(_ path: SecretPath) async throws(BackendError) -> SecretMetadata {
            SecretMetadata(path: path, versions: [])
        }

        func close() async { record("close") }

        func renew(_ lease: SecretLease, increment: Duration) async throws(BackendError) -> SecretLease { lease }

        func revoke(_ lease: SecretLease) async throws(BackendError) { record("revoke \(lease.id)") }

        func renewSession() async throws(BackendError) -> Date? {
            record("renewSession")
            return nil
        }
    }
}
