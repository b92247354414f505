import CfgBackend
import CfgLocal
import CfgRotation
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

/// The runner over the real local store, with an injected clock and a fake target.
struct RotationRunnerTests {
    static let start = RunnerFixture.start
    static let day = RunnerFixture.day

    @Test func storeOnlyRotationMovesCurrentToPrevious() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RunnerFixture(directory: directory, initial: Secret(copying: "old"))
            let report = await fixture.runner().run(.ifDue)
            #expect(report.outcome == .rotated(versionID: "2"))
            #expect(report.failure == nil)
            #expect(try await fixture.labels() == [.current: "2", .previous: "1"])
            #expect(try await fixture.value(.current).stringValue() != "old")
            #expect(try await fixture.value(.label(.previous)).stringValue() == "old")
            #expect(fixture.generatorCalls == 1)
            #expect(try await fixture.rotationRecord() == RotationRecord(lastRotation: Self.start))
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

    @Test func runningTwiceIfDueRotatesOnce() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RunnerFixture(directory: directory, initial: Secret(copying: "old"))
            #expect(await fixture.runner().run(.ifDue).outcome == .rotated(versionID: "2"))
            fixture.advance(by: 60)
            let second = await fixture.runner(owner: "runner-b").run(.ifDue)
            #expect(second.outcome == .nothingDue(until: Self.start.addingTimeInterval(30 * Self.day)))
            #expect(fixture.generatorCalls == 1)
            #expect(try await fixture.labels() == [.current: "2", .previous: "1"])
            // Once `every` has passed, the next run rotates again.
            fixture.advance(by: 30 * Self.day)
            #expect(await fixture.runner(owner: "runner-c").run(.ifDue).outcome == .rotated(versionID: "3"))
            #expect(try await fixture.labels() == [.current: "3", .previous: "2"])
        }
    }

    @Test func aFreshSecretIsNotDueBeforeItsAge() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RunnerFixture(directory: directory, initial: Secret(copying: "old"))
            let policy = RotationMachine.Policy(every: .seconds(90 * 86_400), appliesToTarget: false)
            let report = await fixture.runner(policy: policy).run(.ifDue)
            // No rotation record yet: the age is the current version's (created 40 days before `start`).
            #expect(report.outcome == .nothingDue(until: Self.start.addingTimeInterval(50 * Self.day)))
            #expect(fixture.generatorCalls == 0)
            #expect(await fixture.runner(policy: policy).run(.now).outcome == .rotated(versionID: "2"))
        }
    }

    @Test func aPendingVersionLeftByAnInterruptedRunIsPromotedNotRegenerated() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RunnerFixture(directory: directory, initial: Secret(copying: "old"))
            let pending = try await fixture.backend.store(
                Secret(copying: "left-pending"),
                at: RunnerFixture.path,
                labels: [.pending],
                expectedCurrent: "1"
            )
            let report = await fixture.runner().run(.ifDue)
            #expect(report.outcome == .rotated(versionID: pending))
            #expect(fixture.generatorCalls == 0)
            #expect(try await fixture.labels() == [.current: pending, .previous: "1"])
            #expect(try await fixture.value(.current).stringValue() == "left-pending")
        }
    }

    @Test func aPromotionCutShortAfterItsLabelMoveIsFinished() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RunnerFixture(directory: directory, initial: Secret(copying: "old"))
            let pending = try await fixture.backend.store(
                Secret(copying: "new"),
                at: RunnerFixture.path,
                labels: [.pending],
                expectedCurrent: "1"
            )
            try await fixture.backend.moveLabel(.current, to: pending, at: RunnerFixture.path)
            let report = await fixture.runner().run(.ifDue)
            #expect(report.outcome == .rotated(versionID: pending))
            #expect(fixture.generatorCalls == 0)
            #expect(try await fixture.labels() == [.current: pending, .previous: "1"])
            #expect(try await fixture.rotationRecord()?.lastRotation == Self.start)
        }
    }

    @Test func aSecondRunnerWhileTheLockIsHeldEndsLockBusy() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RunnerFixture(directory: directory, initial: Secret(copying: "old"))
            let held = RotationLock(owner: "other-run", expiresAt: Self.start.addingTimeInterval(600))
            try await fixture.holdLock(owner: held.owner, expiresAt: held.expiresAt)
            let report = await fixture.runner().run(.ifDue)
            #expect(report.outcome == .lockBusy(held))
            // It waited, but no longer than `lockWait` (60 s), and touched nothing.
            #expect(!fixture.sleptUntil.isEmpty)
            #expect(fixture.sleptUntil.allSatisfy { $0 <= Self.start.addingTimeInterval(60) })
            #expect(fixture.generatorCalls == 0)
            #expect(try await fixture.labels() == [.current: "1"])
            #expect(try await fixture.lockRecord() == RotationLockRecord(lock: held))
        }
    }

    @Test func aLockThatExpiresDuringTheWaitIsTakenOver() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RunnerFixture(directory: directory, initial: Secret(copying: "old"))
            try await fixture.holdLock(owner: "dead-run", expiresAt: Self.start.addingTimeInterval(30))
            let report = await fixture.runner().run(.ifDue)
            #expect(report.outcome == .rotated(versionID: "2"))
            // It looked again every 2 s until the record expired, then took it over.
            #expect(fixture.sleptUntil.last == Self.start.addingTimeInterval(30))
            #expect(fixture.sleptUntil.count == 15)
            #expect(report.actions.prefix(3) == ["acquireLock", "wait", "acquireLock"])
            #expect(report.actions.contains("takeOverLock"))
            let lock = try #require(try await fixture.lockRecord())
            #expect(lock.released && lock.lock.owner == "runner-a")
        }
    }

    @Test func anExpiredLockIsTakenOverAtOnce() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RunnerFixture(directory: directory, initial: Secret(copying: "old"))
            try await fixture.holdLock(owner: "dead-run", expiresAt: Self.start.addingTimeInterval(-1))
            let report = await fixture.runner().run(.ifDue)
            #expect(report.outcome == .rotated(versionID: "2"))
            #expect(fixture.sleptUntil.isEmpty)
            #expect(try await fixture.labels() == [.current: "2", .previous: "1"])
        }
    }

    @Test func aLockWhoseHolderDiedOnThisMachineIsTakenOverAtOnce() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RunnerFixture(directory: directory, initial: Secret(copying: "old"))
            let dead = try LockHolderProbeTests.ownerOfAFinishedProcess()
            try await fixture.holdLock(owner: dead, expiresAt: Self.start.addingTimeInterval(600))
            let report = await fixture.runner().run(.ifDue)
            #expect(report.outcome == .rotated(versionID: "2"))
            #expect(fixture.sleptUntil.isEmpty)
            #expect(report.actions.prefix(2) == ["acquireLock", "takeOverLock"])
        }
    }

    @Test func aStoreOnlyRetirementOnlyClearsTheRecord() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RunnerFixture(directory: directory, initial: Secret(copying: "old"))
            let policy = RotationMachine.Policy(
                every: .seconds(30 * 86_400),
                appliesToTarget: false,
                overlap: .seconds(86_400)
            )
            #expect(await fixture.runner(policy: policy).run(.ifDue).outcome == .rotated(versionID: "2"))
            let retirement = RotationState.Retirement(
                versionID: "1",
                notBefore: Self.start.addingTimeInterval(Self.day)
            )
            #expect(try await fixture.rotationRecord()?.retirement == retirement)
            // Inside the overlap nothing happens, not even a forced rotation.
            fixture.advance(by: 3600)
            let early = await fixture.runner(policy: policy).run(.now)
            #expect(early.outcome == .nothingDue(until: retirement.notBefore))
            fixture.advance(by: Self.day)
            #expect(await fixture.runner(policy: policy).run(.ifDue).outcome == .retired(versionID: "1"))
            #expect(try await fixture.rotationRecord() == RotationRecord(lastRotation: Self.start))
            #expect(try await fixture.labels() == [.current: "2", .previous: "1"])
            #expect(fixture.generatorCalls == 1)
        }
    }

    @Test func aMissingSecretNeedsAttention() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RunnerFixture(directory: directory, initial: Secret(copying: "old"))
            let runner = RotationRunner(
                backend: fixture.backend,
                path: SecretPath("airflow/test/missing"),
                policy: RunnerFixture.storeOnly,
                owner: "runner-a",
                generate: { _ in Secret(copying: "never") },
                now: { RunnerFixture.start },
                sleep: { _ in }
            )
            #expect(await runner.run(.now).outcome == .needsAttention(.noCurrentVersion))
        }
    }

    @Test func aTargetRotationAppliesTestsAndPromotes() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RunnerFixture(directory: directory, initial: Secret(copying: "old"))
            let target = FakeTarget(accepting: [Secret(copying: "old")])
            let policy = RotationMachine.Policy(every: .seconds(30 * 86_400), appliesToTarget: true)
            let report = await fixture.runner(policy: policy, target: target).run(.ifDue)
            #expect(report.outcome == .rotated(versionID: "2"))
            #expect(target.calls == ["tryLogin", "tryLogin", "apply", "test"])
            #expect(target.accepts(try await fixture.value(.current)))
            #expect(!target.accepts(Secret(copying: "old")))
            // A re-run finds nothing to do: the target is not touched again.
            let again = await fixture.runner(policy: policy, target: target).run(.ifDue)
            #expect(again.outcome == .nothingDue(until: Self.start.addingTimeInterval(30 * Self.day)))
            #expect(target.calls.count == 4)
        }
    }

    @Test func aRefusingTargetIsRolledBackAndTheCurrentValueStays() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RunnerFixture(directory: directory, initial: Secret(copying: "old"))
            let target = FakeTarget(accepting: [Secret(copying: "old")], refusals: Int.max)
            let policy = RotationMachine.Policy(
                every: .seconds(30 * 86_400),
                appliesToTarget: true,
                maxAttempts: 2,
                retryDelay: .seconds(10)
            )
            let report = await fixture.runner(policy: policy, target: target).run(.ifDue)
            #expect(report.outcome == .rolledBack(.targetRejected(attempts: 2)))
            #expect(try await fixture.labels() == [.current: "1"])
            #expect(target.accepts(Secret(copying: "old")))
            #expect(fixture.sleptUntil == [Self.start.addingTimeInterval(10)])
        }
    }

    @Test func theGeneratedValueNeverAppearsInAReportOrRecord() async throws {
        try await TemporaryDirectory.with { directory in
            let canary = Canary.make()
            let fixture = try await RunnerFixture(directory: directory, initial: Secret(copying: "old"))
            var texts: [String] = []
            func collect(_ report: RotationReport) {
                texts += [report.description, String(describing: report.outcome), report.failure ?? ""]
                texts += report.actions
            }
            // Rolled back by a refusing target.
            let refusing = FakeTarget(accepting: [Secret(copying: "old")], refusals: Int.max)
            let applied = RotationMachine.Policy(every: .seconds(86_400), appliesToTarget: true, maxAttempts: 1)
            let rolledBack = await fixture.runner(policy: applied, target: refusing) { _ in Secret(copying: canary) }
                .run(.now)
            #expect(rolledBack.outcome == .rolledBack(.targetRejected(attempts: 1)))
            collect(rolledBack)
            // A generator whose error describes the value.
            let failing = await fixture.runner { _ in throw CanaryError(canary: canary) }.run(.now)
            #expect(failing.outcome == .needsAttention(.backendFailed(.create)))
            #expect(failing.failure != nil)
            collect(failing)
            // A rotation that succeeds.
            let rotated = await fixture.runner { _ in Secret(copying: canary) }.run(.now)
            #expect(rotated.outcome == .rotated(versionID: "3"))
            collect(rotated)
            for recordPath in [
                RotationLockRecord.path(for: RunnerFixture.path), RotationRecord.path(for: RunnerFixture.path),
            ] {
                let record = try await fixture.backend.fetch(SecretRequest(path: recordPath))
                texts.append(try #require(record.payload.stringValue()))
            }
            Canary.assertAbsent(canary, in: texts)
        }
    }
}

/// An error whose description holds the value it failed on: what a careless generator might throw.
private struct CanaryError: Error, CustomStringConvertible {
    var canary: String
    var description: String { "could not use \(canary)" }
}
