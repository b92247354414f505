import CfgBackend
import CfgRotation
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

/// The runner's store-only rotation over the real server backends: OpenBao (KV v2, mount `secret`) and moto's
/// Secrets Manager, each test on a secret of its own, labels and values read back through the backend.
@Suite struct ServerRotationRunnerTests {
    /// Runs `runners` at once (`.ifDue`), as two processes would, and returns their reports.
    static func race(_ runners: [RotationRunner]) async -> [RotationReport] {
        await withTaskGroup(of: RotationReport.self) { group in
            for runner in runners {
                group.addTask { await runner.run(.ifDue) }
            }
            var reports: [RotationReport] = []
            for await report in group { reports.append(report) }
            return reports
        }
    }

    static let day = ServerRunnerFixture.day

    @Test(arguments: ServerRunnerFixture.Server.allCases)
    func storeOnlyRotationMovesCurrentToPrevious(_ server: ServerRunnerFixture.Server) async throws {
        try await ServerRunnerFixture.with(server, initial: Secret(copying: "old")) { fixture async throws in
            let initial = fixture.initialVersion
            let report = await fixture.runner().run(.ifDue)
            #expect(report.failure == nil)
            guard case .rotated(let rotated) = report.outcome else {
                Issue.record("outcome \(report.outcome), failure: \(report.failure ?? "none")")
                return
            }
            #expect(rotated != initial)
            #expect(try await fixture.labels() == [.current: rotated, .previous: initial])
            let current = try await fixture.version(.current)
            #expect(current.versionID == rotated)
            #expect(current.payload.stringValue() != "old")
            let previous = try await fixture.version(.label(.previous))
            #expect(previous.versionID == initial)
            #expect(previous.payload.stringValue() == "old")
            #expect(fixture.generatorCalls == 1)
            #expect(try await fixture.rotationRecord() == RotationRecord(lastRotation: fixture.start))
            let lock = try #require(try await fixture.lockRecord())
            #expect(lock.released)
            #expect(lock.lock.owner == "runner-a")
            #expect(
                report.actions == [
                    "acquireLock", "observe", "generateAndStorePending", "promote", "releaseLock",
                ]
            )
        }
    }

    @Test(arguments: ServerRunnerFixture.Server.allCases)
    func runningTwiceIfDueRotatesOnce(_ server: ServerRunnerFixture.Server) async throws {
        try await ServerRunnerFixture.with(server, initial: Secret(copying: "old")) { fixture async throws in
            let first = await fixture.runner().run(.ifDue)
            guard case .rotated(let rotated) = first.outcome else {
                Issue.record("outcome \(first.outcome), failure: \(first.failure ?? "none")")
                return
            }
            fixture.advance(by: 60)
            let second = await fixture.runner(owner: "runner-b").run(.ifDue)
            #expect(second.outcome == .nothingDue(until: fixture.start.addingTimeInterval(30 * Self.day)))
            #expect(second.failure == nil)
            #expect(!second.actions.contains("generateAndStorePending"))
            #expect(fixture.generatorCalls == 1)
            #expect(try await fixture.labels() == [.current: rotated, .previous: fixture.initialVersion])
        }
    }

    @Test(arguments: ServerRunnerFixture.Server.allCases)
    func aPendingVersionLeftByAnInterruptedRunIsPromotedNotRegenerated(
        _ server: ServerRunnerFixture.Server
    ) async throws {
        try await ServerRunnerFixture.with(server, initial: Secret(copying: "old")) { fixture async throws in
            let pending = try await fixture.backend.store(
                Secret(copying: "left-pending"),
                at: fixture.path,
                labels: [.pending],
                expectedCurrent: fixture.initialVersion
            )
            #expect(try await fixture.labels() == [.current: fixture.initialVersion, .pending: pending])
            let report = await fixture.runner().run(.ifDue)
            #expect(report.outcome == .rotated(versionID: pending), "failure: \(report.failure ?? "none")")
            #expect(fixture.generatorCalls == 0)
            #expect(!report.actions.contains("generateAndStorePending"))
            #expect(try await fixture.labels() == [.current: pending, .previous: fixture.initialVersion])
            #expect(try await fixture.version(.current).payload.stringValue() == "left-pending")
            #expect(try await fixture.rotationRecord()?.lastRotation == fixture.start)
        }
    }

    @Test(arguments: ServerRunnerFixture.Server.allCases)
    func aHeldLockEndsLockBusyAfterABoundedWait(_ server: ServerRunnerFixture.Server) async throws {
        try await ServerRunnerFixture.with(server, initial: Secret(copying: "old")) { fixture async throws in
            let held = RotationLock(owner: "other-run", expiresAt: fixture.start.addingTimeInterval(600))
            try await fixture.holdLock(held)
            let report = await fixture.runner().run(.ifDue)
            #expect(report.outcome == .lockBusy(held), "failure: \(report.failure ?? "none")")
            // It waited, but no longer than `lockWait` (60 s), and touched nothing.
            #expect(!fixture.sleptUntil.isEmpty)
            #expect(fixture.sleptUntil.allSatisfy { $0 <= fixture.start.addingTimeInterval(60) })
            #expect(fixture.generatorCalls == 0)
            #expect(try await fixture.labels() == [.current: fixture.initialVersion])
            #expect(try await fixture.lockRecord() == RotationLockRecord(lock: held))
        }
    }

    @Test(arguments: ServerRunnerFixture.Server.allCases)
    func twoRunnersAtOnceRotateExactlyOnce(_ server: ServerRunnerFixture.Server) async throws {
        try await ServerRunnerFixture.with(
            server,
            initial: Secret(copying: "old"),
            realSleep: .milliseconds(50)
        ) { fixture async throws in
            // Each runner on a backend of its own, as two processes would be.
            let second = try ServerRunnerFixture.makeBackend(server)
            let runners = [fixture.runner(owner: "runner-a"), fixture.runner(owner: "runner-b", backend: second)]
            let reports = await Self.race(runners)
            await second.close()
            let rotated = reports.compactMap { report -> String? in
                if case .rotated(let versionID) = report.outcome { return versionID }
                return nil
            }
            let others = reports.filter { report in
                switch report.outcome {
                case .lockBusy, .nothingDue: true
                default: false
                }
            }
            let outcomes = reports.map { "\($0.outcome) (failure: \($0.failure ?? "none"))" }
            #expect(rotated.count == 1, "outcomes: \(outcomes)")
            #expect(others.count == 1, "outcomes: \(outcomes)")
            #expect(reports.allSatisfy { $0.failure == nil }, "outcomes: \(outcomes)")
            #expect(fixture.generatorCalls == 1)
            let versionID = try #require(rotated.first)
            #expect(try await fixture.labels() == [.current: versionID, .previous: fixture.initialVersion])
            #expect(try await fixture.version(.label(.previous)).payload.stringValue() == "old")
            let lock = try #require(try await fixture.lockRecord())
            #expect(lock.released)
            #expect(try await fixture.rotationRecord()?.lastRotation != nil)
        }
    }

    /// Rounds of the race once the lock record exists (released by the rotation before), ``racers`` runners a round
    /// with a backend each, as that many processes would: every round exactly one rotation happens and no two runners
    /// ever hold the lock at once (``LockLedger``). Many rounds, so that a check-and-set which is not atomic (two
    /// runners both re-taking the released lock) fails it with high probability. `CFG_TEST_RACE_ROUNDS` sets the
    /// number of rounds.
    @Test(arguments: ServerRunnerFixture.Server.allCases)
    func runnersRacingOverAReleasedLockRotateExactlyOncePerRound(_ server: ServerRunnerFixture.Server) async throws {
        try await ServerRunnerFixture.with(
            server,
            initial: Secret(copying: "old"),
            realSleep: .milliseconds(20)
        ) { fixture async throws in
            let warmUp = await fixture.runner(owner: "runner-0").run(.ifDue)
            guard case .rotated(var before) = warmUp.outcome else {
                Issue.record("outcome \(warmUp.outcome), failure: \(warmUp.failure ?? "none")")
                return
            }
            #expect(try await fixture.lockRecord()?.released == true)
            let ledger = LockLedger()
            var backends: [any SecretBackend] = []
            for _ in 0..<Self.racers {
                backends.append(
                    LockWatchingBackend(
                        inner: try ServerRunnerFixture.makeBackend(server),
                        lockPath: RotationLockRecord.path(for: fixture.path),
                        ledger: ledger
                    )
                )
            }
            var failedRounds: [String] = []
            for round in 1...Self.raceRounds {
                fixture.advance(by: 31 * Self.day)
                let generated = fixture.generatorCalls
                let doubleHolds = ledger.doubleHolds.count
                let runners = backends.enumerated().map { index, backend in
                    fixture.runner(owner: "round-\(round)-runner-\(index)", backend: backend)
                }
                let reports = await Self.race(runners)
                let rotated = reports.compactMap { report -> String? in
                    if case .rotated(let versionID) = report.outcome { return versionID }
                    return nil
                }
                let outcomes = reports.map { "\($0.outcome) (failure: \($0.failure ?? "none"))" }
                var labelsOK = false
                if rotated.count == 1, let versionID = rotated.first {
                    labelsOK = try await fixture.labels() == [.current: versionID, .previous: before]
                    before = versionID
                }
                let released = try await fixture.lockRecord()?.released == true
                let good =
                    rotated.count == 1 && labelsOK && released && reports.allSatisfy { $0.failure == nil }
                    && fixture.generatorCalls == generated + 1 && ledger.doubleHolds.count == doubleHolds
                if !good {
                    failedRounds.append(
                        "round \(round): \(outcomes), values generated: \(fixture.generatorCalls - generated), "
                            + "double holds: \(ledger.doubleHolds.dropFirst(doubleHolds))"
                    )
                }
            }
            for backend in backends { await backend.close() }
            #expect(
                failedRounds.isEmpty,
                "\(failedRounds.count) of \(Self.raceRounds) rounds (\(Self.racers) runners) failed: \(failedRounds)"
            )
            #expect(ledger.doubleHolds.isEmpty)
        }
    }

    /// Rounds of ``runnersRacingOverAReleasedLockRotateExactlyOncePerRound(_:)`` (`CFG_TEST_RACE_ROUNDS`, default 20).
    static let raceRounds = ProcessInfo.processInfo.environment["CFG_TEST_RACE_ROUNDS"].flatMap { Int($0) } ?? 20
    /// Runners racing in each round.
    static let racers = 4

    @Test(arguments: ServerRunnerFixture.Server.allCases)
    func theGeneratedValueNeverAppearsInAReportFailureOrRecord(_ server: ServerRunnerFixture.Server) async throws {
        try await ServerRunnerFixture.with(server, initial: Secret(copying: "old")) { fixture async throws in
            let canary = Canary.make()
            var texts: [String] = []
            func collect(_ report: RotationReport) {
                texts += [report.description, String(describing: report.outcome), report.failure ?? ""]
                texts += report.actions
            }
            // A generator whose error describes the value.
            let failing = await fixture.runner { _ in throw ServerCanaryError(canary: canary) }.run(.now)
            #expect(failing.outcome == .needsAttention(.backendFailed(.create)))
            #expect(failing.failure != nil)
            collect(failing)
            // A rotation that stores the canary.
            let rotated = await fixture.runner { _ in Secret(copying: canary) }.run(.now)
            guard case .rotated(let versionID) = rotated.outcome else {
                Issue.record("outcome \(rotated.outcome), failure: \(rotated.failure ?? "none")")
                return
            }
            collect(rotated)
            // A forced run on the canary as current: the generator sees it, the report must not.
            fixture.advance(by: 60)
            let again = await fixture.runner { _ in SecureRandom.secret(count: 32) }.run(.now)
            #expect(again.failure == nil)
            collect(again)
            #expect(try await fixture.version(.label(.previous)).versionID == versionID)
            texts += try await fixture.recordTexts()
            Canary.assertAbsent(canary, in: texts)
        }
    }
}

/// An error whose description holds the value it failed on: what a careless generator might throw.
private struct ServerCanaryError: Error, CustomStringConvertible {
    var canary: String
    var description: String { "could not use \(canary)" }
}
