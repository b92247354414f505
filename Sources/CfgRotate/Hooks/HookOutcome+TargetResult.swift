package import CfgProcess
package import CfgRotation

extension HookOutcome {
    /// The exit status with which a hook says "I could not reach the target; nothing is known about its state"
    /// (`EX_TEMPFAIL` of sysexits.h): the answer is `.unreachable`, as for a timeout, rather than `.rejected`.
    package static let unreachableStatus: Int32 = 75

    /// What the hook's end tells the rotation machine: exit 0 is `.succeeded`; exit 75 (``unreachableStatus``) is
    /// `.unreachable`; any other exit status is `.rejected` (the target said no: for `apply`, it provably still holds
    /// what it had, and after the last attempt the pending value is dropped); a timeout, a death by signal or a
    /// program that could not start is `.unreachable` (nothing is known about the target's state).
    package var targetResult: RotationMachine.TargetResult {
        switch self {
        case .exited(0): .succeeded
        case .exited(Self.unreachableStatus): .unreachable
        case .exited: .rejected
        case .signalled, .timedOut, .couldNotStart: .unreachable
        }
    }
}
