import CfgRotation
import Foundation
import Testing

/// "Is it due": the boundaries of `every`, on an injected clock.
struct RotationScheduleTests {
    static let last = Date(timeIntervalSince1970: 1_800_000_000)
    static let every = Duration.seconds(90 * 86_400)

    @Test(arguments: [
        (-1.0, false),
        (0.0, true),
        (0.001, true),
        (86_400.0, true),
        (-86_400.0 * 90, false),
    ])
    func dueAtAndAfterEveryNotBefore(offsetFromDue: TimeInterval, due: Bool) {
        let now = Self.last.addingTimeInterval(90 * 86_400 + offsetFromDue)
        #expect(RotationSchedule.isDue(lastRotation: Self.last, every: Self.every, now: now) == due)
    }

    @Test func aSecretNeverRotatedIsDue() {
        #expect(RotationSchedule.isDue(lastRotation: nil, every: Self.every, now: Self.last))
        #expect(RotationSchedule.nextDue(lastRotation: nil, every: Self.every) == nil)
    }

    @Test func theNextDueDateIsTheLastRotationPlusEvery() {
        #expect(
            RotationSchedule.nextDue(lastRotation: Self.last, every: .seconds(60))
                == Self.last.addingTimeInterval(60)
        )
        #expect(
            RotationSchedule.nextDue(lastRotation: Self.last, every: .milliseconds(1500))
                == Self.last.addingTimeInterval(1.5)
        )
    }
}
