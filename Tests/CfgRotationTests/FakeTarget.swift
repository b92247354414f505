import CfgRotation
import CfgSecure
import Synchronization

/// A target in memory: the values that log in, a number of refusals to give, and every call it received (as names).
final class FakeTarget: RotationTarget {
    private struct State {
        var accepted: [Secret]
        var refusals: Int
        var calls: [String] = []
    }

    private let state: Mutex<State>

    /// - Parameters:
    ///   - accepted: the values that log in at the start.
    ///   - refusals: how many `apply` calls are refused before one succeeds (`Int.max`: all of them).
    init(accepting accepted: [Secret], refusals: Int = 0) {
        state = Mutex(State(accepted: accepted, refusals: refusals))
    }

    var calls: [String] { state.withLock { $0.calls } }

    func accepts(_ value: Secret) -> Bool {
        state.withLock { state in state.accepted.contains { $0 == value } }
    }

    func tryLogin(with value: Secret) async -> RotationMachine.TargetResult {
        state.withLock { state in
            state.calls.append("tryLogin")
            return state.accepted.contains { $0 == value } ? .succeeded : .rejected
        }
    }

    func apply(_ pending: Secret, loggedInWith credential: Secret) async -> RotationMachine.TargetResult {
        state.withLock { state in
            state.calls.append("apply")
            guard state.accepted.contains(where: { $0 == credential }) else { return .rejected }
            if state.refusals > 0 {
                state.refusals -= 1
                return .rejected
            }
            state.accepted = [pending]
            return .succeeded
        }
    }

    func test(_ pending: Secret) async -> RotationMachine.TargetResult {
        state.withLock { state in
            state.calls.append("test")
            return state.accepted.contains { $0 == pending } ? .succeeded : .rejected
        }
    }

    func retire(_ old: Secret) async -> RotationMachine.TargetResult {
        state.withLock { state in
            state.calls.append("retire")
            state.accepted.removeAll { $0 == old }
            return .succeeded
        }
    }
}
