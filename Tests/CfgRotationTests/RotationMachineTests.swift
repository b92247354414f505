import CfgBackend
import CfgRotation
import Foundation
import Testing

/// The staged protocol, driven against an in-memory backend and target with an injected clock.
struct RotationMachineTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 86_400
    static let applied = RotationMachine.Policy(
        every: .seconds(30 * 86_400),
        appliesToTarget: true,
        maxAttempts: 3,
        retryDelay: .seconds(10),
        lockDuration: .seconds(300),
        lockWait: .seconds(600)
    )

    /// A world whose secret was last rotated 31 days ago (due under `applied`).
    static func dueWorld() -> RotationWorld {
        var world = RotationWorld(now: start)
        world.lastRotation = start.addingTimeInterval(-31 * day)
        return world
    }

    @Test func everyStepRunsInOrder() throws {
        var world = Self.dueWorld()
        let outcome = world.run(owner: "a", policy: Self.applied)
        #expect(outcome == .rotated(versionID: "v2"))
        let lock = try #require(world.log.first)
        guard case .acquireLock(let record) = lock else {
            Issue.record("the run did not start with the lock: \(lock)")
            return
        }
        #expect(record.owner == "a")
        #expect(
            Array(world.log.dropFirst()) == [
                .observe,
                .generateAndStorePending(expectedCurrent: "v1"),
                .tryLogin(.pending),
                .tryLogin(.current),
                .apply(from: .current),
                .test,
                .promote(pendingVersionID: "v2", expectedCurrent: "v1", retireAfter: nil),
                .releaseLock,
            ]
        )
        #expect(world.current == "v2" && world.previous == "v1" && world.pending == nil)
        #expect(world.isConsistent && world.lock == nil && world.generated == 1)
    }

    @Test func storeOnlyRotationSkipsApplyAndTest() {
        var world = Self.dueWorld()
        var policy = Self.applied
        policy.appliesToTarget = false
        #expect(world.run(owner: "a", policy: policy) == .rotated(versionID: "v2"))
        #expect(
            world.steps == [
                .observe,
                .generateAndStorePending(expectedCurrent: "v1"),
                .promote(pendingVersionID: "v2", expectedCurrent: "v1", retireAfter: nil),
            ]
        )
    }

    /// Every cut of a clean run: before each action, and inside it (done, answer lost). A second run rolls forward to a
    /// consistent end and never generates a second value.
    @Test(arguments: 0..<9, [false, true])
    func aCrashAnywhereRollsForward(atAction: Int, inside: Bool) {
        var world = Self.dueWorld()
        let first = world.run(owner: "a", policy: Self.applied, crash: .init(atAction: atAction, inside: inside))
        #expect(first == nil)
        let second = world.run(owner: "b", policy: Self.applied)
        #expect(world.isConsistent, "crash at \(atAction) inside: \(inside): \(String(describing: second))")
        #expect(world.generated == 1)
        #expect(world.current == "v2" && world.previous == "v1")
        #expect(world.lock == nil)
        // The second run finished the rotation, or found it finished (the crash came after the promotion).
        #expect(second == .rotated(versionID: "v2") || second == .nothingDue(until: nextDue(world)))
        // A third run finds nothing to do.
        #expect(world.run(owner: "c", policy: Self.applied) == .nothingDue(until: nextDue(world)))
    }

    func nextDue(_ world: RotationWorld) -> Date {
        (world.lastRotation ?? Self.start).addingTimeInterval(30 * Self.day)
    }

    @Test func aRotationInProgressIsFinishedNotStartedAgain() {
        var world = Self.dueWorld()
        world.pending = "v7"
        world.lastRotation = Self.start  // not due: a pending version is finished regardless
        #expect(world.run(owner: "a", policy: Self.applied) == .rotated(versionID: "v7"))
        #expect(world.generated == 0 && world.current == "v7" && world.isConsistent)
    }

    @Test func aTargetThatAlreadyTookThePendingValueIsNotChangedAgain() {
        var world = Self.dueWorld()
        world.pending = "v7"
        world.accepted = ["v7"]
        #expect(world.run(owner: "a", policy: Self.applied) == .rotated(versionID: "v7"))
        #expect(!world.log.contains(.apply(from: .current)))
        #expect(world.log.contains(.tryLogin(.pending)) && world.log.contains(.test))
    }

    @Test func aTargetStillOnThePreviousValueIsChangedFromIt() {
        var world = Self.dueWorld()
        world.previous = "v0"
        world.accepted = ["v0"]
        #expect(world.run(owner: "a", policy: Self.applied) == .rotated(versionID: "v2"))
        #expect(world.log.contains(.tryLogin(.previous)) && world.log.contains(.apply(from: .previous)))
    }

    @Test func noWorkingCredentialNeedsAttentionAndKeepsThePendingValue() {
        var world = Self.dueWorld()
        world.accepted = ["somebody else's"]
        #expect(world.run(owner: "a", policy: Self.applied) == .needsAttention(.noCredentialWorks))
        #expect(world.pending == "v2" && world.current == "v1" && world.lock == nil)
    }

    @Test func refusalsAreBoundedThenRolledBackAndTheNextRunGeneratesAFreshValue() {
        var world = Self.dueWorld()
        world.refusals = 100
        let outcome = world.run(owner: "a", policy: Self.applied)
        #expect(outcome == .rolledBack(.targetRejected(attempts: 3)))
        #expect(world.log.filter { $0 == .apply(from: .current) }.count == 3)
        #expect(world.pending == nil && world.current == "v1" && world.isConsistent && world.lock == nil)
        // Waits between attempts come from the policy, on the injected clock.
        #expect(world.log.filter { if case .wait = $0 { true } else { false } }.count == 2)

        world.refusals = 0
        #expect(world.run(owner: "a", policy: Self.applied) == .rotated(versionID: "v3"))
        #expect(world.generated == 2 && world.isConsistent)
    }

    /// A crash anywhere in a run that ends in rollback: the next run retries the same stored value (bounded again),
    /// rolls back, and only the run after that generates a fresh one.
    @Test func aCrashAnywhereInARollbackEndsRolledBackWithoutASecondValue() {
        var clean = Self.dueWorld()
        clean.refusals = 100
        _ = clean.run(owner: "a", policy: Self.applied)
        let cuts = clean.log.count
        let drop = clean.log.firstIndex { if case .dropPending = $0 { true } else { false } } ?? cuts
        #expect(cuts == 12 && drop == 10)
        for atAction in 0..<cuts {
            for inside in [false, true] {
                var world = Self.dueWorld()
                world.refusals = 100
                #expect(
                    world.run(owner: "a", policy: Self.applied, crash: .init(atAction: atAction, inside: inside)) == nil
                )
                let second = world.run(owner: "b", policy: Self.applied)
                #expect(
                    second == .rolledBack(.targetRejected(attempts: 3)),
                    "crash at \(atAction) inside: \(inside): \(String(describing: second))"
                )
                #expect(world.pending == nil && world.current == "v1" && world.isConsistent)
                // Once the crashed run had dropped its value, the next one starts afresh; before, it reuses it.
                let dropped = atAction > drop || atAction == drop && inside
                #expect(world.generated == (dropped ? 2 : 1))
            }
        }
    }

    @Test func aRefusalWithinTheBoundIsRetried() {
        var world = Self.dueWorld()
        world.refusals = 2
        #expect(world.run(owner: "a", policy: Self.applied) == .rotated(versionID: "v2"))
        #expect(world.now >= Self.start.addingTimeInterval(20))
    }

    @Test func aFailingTestIsRetriedThenNeedsAttentionWithoutDroppingThePendingValue() {
        var world = Self.dueWorld()
        world.testFailures = 100
        #expect(world.run(owner: "a", policy: Self.applied) == .needsAttention(.testFailed(attempts: 3)))
        #expect(world.pending == "v2" && !world.log.contains(.dropPending(versionID: "v2")))
        world.testFailures = 0
        #expect(world.run(owner: "a", policy: Self.applied) == .rotated(versionID: "v2"))
        #expect(world.generated == 1 && world.isConsistent)
    }

    @Test func anUnreachableTargetKeepsThePendingValueForTheNextRun() {
        var world = Self.dueWorld()
        world.unreachable = true
        #expect(world.run(owner: "a", policy: Self.applied) == .needsAttention(.targetUnreachable(.apply)))
        #expect(world.pending == "v2" && world.lock == nil)
        world.unreachable = false
        #expect(world.run(owner: "a", policy: Self.applied) == .rotated(versionID: "v2"))
        #expect(world.generated == 1)
    }

    @Test func aFailingBackendNeedsAttentionAndReleasesTheLock() {
        // The check-and-set on the current version fails (another writer changed it).
        var machine = RotationMachine(owner: "a", policy: Self.applied)
        _ = machine.handle(.started(.ifDue), now: Self.start)
        _ = machine.handle(.lockAcquired, now: Self.start)
        let stale = RotationState(current: "v1", lastRotation: Self.start.addingTimeInterval(-31 * Self.day))
        #expect(machine.handle(.observed(stale), now: Self.start) == [.generateAndStorePending(expectedCurrent: "v1")])
        #expect(
            machine.handle(.backendFailed, now: Self.start) == [
                .releaseLock, .finish(.needsAttention(.backendFailed(.create))),
            ]
        )
    }

    @Test func aSecretWithoutACurrentVersionNeedsAttention() {
        var world = Self.dueWorld()
        world.current = nil
        #expect(world.run(owner: "a", policy: Self.applied) == .needsAttention(.noCurrentVersion))
        #expect(world.generated == 0 && world.lock == nil)
    }

    @Test func notDueEndsWithTheNextDueDateAndWritesNothing() {
        var world = RotationWorld(now: Self.start)
        world.lastRotation = Self.start.addingTimeInterval(-29 * Self.day)
        let due = world.lastRotation?.addingTimeInterval(30 * Self.day)
        #expect(world.run(owner: "a", policy: Self.applied) == .nothingDue(until: due ?? Self.start))
        #expect(world.steps == [.observe] && world.lock == nil)
        #expect(world.run(owner: "a", policy: Self.applied, mode: .now) == .rotated(versionID: "v2"))
    }

    @Test func retirementWaitsForTheOverlapThenRemovesTheOldValue() throws {
        var world = Self.dueWorld()
        world.keepsOldValues = true
        var policy = Self.applied
        policy.overlap = .seconds(3600)
        #expect(world.run(owner: "a", policy: policy) == .rotated(versionID: "v2"))
        let notBefore = try #require(world.retirement).notBefore
        #expect(world.retirement?.versionID == "v1")
        #expect(world.accepted == ["v1", "v2"])

        // Within the overlap: nothing, not even a forced rotation (it would strand v1 in the target).
        world.now = world.now.addingTimeInterval(1800)
        #expect(world.run(owner: "a", policy: policy, mode: .now) == .nothingDue(until: notBefore))
        #expect(world.accepted == ["v1", "v2"] && world.generated == 1)

        world.now = world.now.addingTimeInterval(1800)
        #expect(world.run(owner: "a", policy: policy) == .retired(versionID: "v1"))
        #expect(world.accepted == ["v2"] && world.retirement == nil && world.isConsistent)
    }

    @Test func aDueRetirementIsDoneBeforeTheNextRotation() {
        var world = Self.dueWorld()
        world.previous = "v0"
        world.accepted = ["v0", "v1"]
        world.keepsOldValues = true
        world.retirement = .init(versionID: "v0", notBefore: Self.start.addingTimeInterval(-Self.day))
        var policy = Self.applied
        policy.overlap = .seconds(3600)
        #expect(world.run(owner: "a", policy: policy) == .rotated(versionID: "v2"))
        #expect(world.steps.first(where: { if case .retire = $0 { true } else { false } }) == .retire(versionID: "v0"))
        #expect(world.accepted == ["v1", "v2"] && world.retirement?.versionID == "v1")
    }

    @Test func eventsAfterTheEndAreIgnoredAndUnexpectedOnesStopTheRun() {
        var machine = RotationMachine(owner: "a", policy: Self.applied)
        _ = machine.handle(.started(.ifDue), now: Self.start)
        _ = machine.handle(.lockAcquired, now: Self.start)
        #expect(
            machine.handle(.promoted, now: Self.start) == [
                .releaseLock, .finish(.needsAttention(.unexpectedEvent(.observe))),
            ]
        )
        #expect(machine.handle(.observed(RotationState(current: "v1")), now: Self.start).isEmpty)
    }
}
