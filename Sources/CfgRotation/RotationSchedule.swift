package import FoundationEssentials

/// Whether a rotation is due: a pure function of the last rotation, the policy's `every` and an injected `now`.
///
/// Kept apart from the machine so `--status` and `--due` answer from the same rule the machine applies.
package enum RotationSchedule {
    /// When the next rotation is due; nil when the secret was never rotated (it is due now).
    package static func nextDue(lastRotation: Date?, every: Duration) -> Date? {
        lastRotation.map { $0 + every }
    }

    /// Whether a rotation is due at `now`: at or after `lastRotation + every`, or always when `lastRotation` is
    /// unknown.
    package static func isDue(lastRotation: Date?, every: Duration, now: Date) -> Bool {
        guard let next = nextDue(lastRotation: lastRotation, every: every) else { return true }
        return now >= next
    }
}
