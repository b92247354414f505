import CfgBackend
import CfgRotation
import Foundation
import Testing

/// The lock record: free, held (wait, then give up), expired (taken over), lost (stop before the next write).
struct RotationLockTests {
    static let start = RotationMachineTests.start
    static let policy = RotationMachineTests.applied  // lock 300 s, wait 600 s

    @Test func anExpiredRecordStopsCounting() {
        let lock = RotationLock(owner: "a", expiresAt: Self.start)
        #expect(!lock.hasExpired(at: Self.start.addingTimeInterval(-1)))
        #expect(lock.hasExpired(at: Self.start))
    }

    @Test func aFreeLockIsTakenWithOwnerAndExpiry() {
        var machine = RotationMachine(owner: "a", policy: Self.policy)
        #expect(
            machine.handle(.started(.ifDue), now: Self.start) == [
                .acquireLock(RotationLock(owner: "a", expiresAt: Self.start.addingTimeInterval(300)))
            ]
        )
        #expect(machine.handle(.lockAcquired, now: Self.start) == [.observe])
    }

    @Test func aHeldLockIsWaitedForABoundedTimeThenTheRunGivesUp() {
        var world = RotationMachineTests.dueWorld()
        let other = RotationLock(owner: "b", expiresAt: Self.start.addingTimeInterval(3600))
        world.lock = other
        #expect(world.run(owner: "a", policy: Self.policy) == .lockBusy(other))
        #expect(world.steps.isEmpty && world.lock == other && world.generated == 0)
        #expect(world.now < Self.start.addingTimeInterval(700))
        #expect(world.log.contains(.wait(until: Self.start.addingTimeInterval(600))))
    }

    @Test func aLockReleasedDuringTheWaitIsTaken() {
        var machine = RotationMachine(owner: "a", policy: Self.policy)
        _ = machine.handle(.started(.ifDue), now: Self.start)
        let other = RotationLock(owner: "b", expiresAt: Self.start.addingTimeInterval(120))
        // It looks again every `lockPoll` (2 s), not only when the holder's record expires.
        #expect(machine.handle(.lockHeld(other), now: Self.start) == [.wait(until: Self.start.addingTimeInterval(2))])
        let later = Self.start.addingTimeInterval(60)
        #expect(
            machine.handle(.waitEnded, now: later) == [
                .acquireLock(RotationLock(owner: "a", expiresAt: later.addingTimeInterval(300)))
            ]
        )
        #expect(machine.handle(.lockAcquired, now: later) == [.observe])
    }

    @Test func aDeadHoldersLockIsTakenOverOnceExpired() {
        var world = RotationMachineTests.dueWorld()
        let dead = RotationLock(owner: "dead", expiresAt: Self.start.addingTimeInterval(-1))
        world.lock = dead
        #expect(world.run(owner: "a", policy: Self.policy) == .rotated(versionID: "v2"))
        #expect(
            world.log.first == .acquireLock(RotationLock(owner: "a", expiresAt: Self.start.addingTimeInterval(300)))
        )
        #expect(world.log.contains { if case .takeOverLock(expired: dead, _) = $0 { true } else { false } })
        #expect(world.lock == nil)
    }

    @Test func aTakeOverThatLosesTheRaceWaitsAgain() {
        var machine = RotationMachine(owner: "a", policy: Self.policy)
        _ = machine.handle(.started(.ifDue), now: Self.start)
        let dead = RotationLock(owner: "dead", expiresAt: Self.start)
        #expect(
            machine.handle(.lockHeld(dead), now: Self.start) == [
                .takeOverLock(
                    expired: dead,
                    with: RotationLock(owner: "a", expiresAt: Self.start.addingTimeInterval(300))
                )
            ]
        )
        let winner = RotationLock(owner: "c", expiresAt: Self.start.addingTimeInterval(300))
        #expect(
            machine.handle(.lockHeld(winner), now: Self.start) == [.wait(until: Self.start.addingTimeInterval(2))]
        )
    }

    @Test func aLostLockStopsTheRunWithoutAnotherWrite() {
        var machine = RotationMachine(owner: "a", policy: Self.policy)
        _ = machine.handle(.started(.ifDue), now: Self.start)
        _ = machine.handle(.lockAcquired, now: Self.start)
        let state = RotationState(current: "v1", lastRotation: Self.start.addingTimeInterval(-31 * 86_400))
        _ = machine.handle(.observed(state), now: Self.start)
        _ = machine.handle(.pendingStored(versionID: "v2"), now: Self.start)
        #expect(machine.handle(.lockLost, now: Self.start) == [.finish(.needsAttention(.lockLost))])
        #expect(machine.handle(.loginResult(.succeeded), now: Self.start).isEmpty)
    }

    @Test func aLockThatExpiredDuringAStepStopsTheRunBeforeTheNext() {
        var machine = RotationMachine(owner: "a", policy: Self.policy)
        _ = machine.handle(.started(.ifDue), now: Self.start)
        _ = machine.handle(.lockAcquired, now: Self.start)
        let state = RotationState(current: "v1", pending: "v2")
        _ = machine.handle(.observed(state), now: Self.start)
        // The login took longer than the lock: another run may hold it now.
        #expect(
            machine.handle(.loginResult(.rejected), now: Self.start.addingTimeInterval(301)) == [
                .finish(.needsAttention(.lockLost))
            ]
        )
    }

    @Test func theLockIsRenewedOnceHalfItsTimePassed() {
        var machine = RotationMachine(owner: "a", policy: Self.policy)
        _ = machine.handle(.started(.ifDue), now: Self.start)
        _ = machine.handle(.lockAcquired, now: Self.start)
        _ = machine.handle(.observed(RotationState(current: "v1", pending: "v2")), now: Self.start)
        #expect(
            machine.handle(.loginResult(.rejected), now: Self.start.addingTimeInterval(149)) == [.tryLogin(.current)]
        )
        let renewedAt = Self.start.addingTimeInterval(150)
        #expect(
            machine.handle(.loginResult(.succeeded), now: renewedAt) == [
                .renewLock(RotationLock(owner: "a", expiresAt: renewedAt.addingTimeInterval(300))),
                .apply(from: .current),
            ]
        )
        // Past the first expiry the renewed lock still counts (and, half of it gone, is renewed again).
        let later = Self.start.addingTimeInterval(310)
        #expect(
            machine.handle(.applyResult(.succeeded), now: later) == [
                .renewLock(RotationLock(owner: "a", expiresAt: later.addingTimeInterval(300))), .test,
            ]
        )
    }

    @Test func aRenewalLostToAnotherRunIsReportedAsLost() {
        var world = RotationMachineTests.dueWorld()
        world.testFailures = 1
        var policy = Self.policy
        policy.retryDelay = .seconds(200)  // the retry wait crosses half the lock
        world.lock = nil
        // Another run takes the lock over while this one waits (its record is replaced).
        var machine = RotationMachine(owner: "a", policy: policy)
        var now = Self.start
        var actions = machine.handle(.started(.ifDue), now: now)
        var lastAnswer: RotationMachine.Event?
        while let action = actions.first {
            actions.removeFirst()
            if case .finish(let outcome) = action {
                #expect(outcome == .needsAttention(.lockLost))
                #expect(world.pending == "v2" && world.generated == 1)
                return
            }
            if case .wait = action { world.lock = RotationLock(owner: "b", expiresAt: now.addingTimeInterval(900)) }
            lastAnswer = world.perform(action, owner: "a")
            now = max(now, world.now)
            if let answer = lastAnswer {
                actions = machine.handle(answer, now: now)
            }
        }
        Issue.record("the run did not finish")
    }
}
