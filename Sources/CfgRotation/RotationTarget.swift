package import CfgSecure

/// What a rotation changes besides the store: a database role, a Redis ACL user, a command hook.
///
/// The runner hands it values read from the backend (the pending, current or previous version) and turns each answer
/// into the machine's `TargetResult`. Every call must be safe to repeat: a run that crashed after a change and before
/// its answer was recorded makes the same call again. An implementation never puts a value into a result, a log or an
/// error; it tells `.rejected` (the target answered no) from `.unreachable` (nothing is known about its state), which
/// the machine treats differently.
package protocol RotationTarget: Sendable {
    /// Logs in with `value` (one of the pending, current or previous values) and logs out.
    func tryLogin(with value: Secret) async -> RotationMachine.TargetResult

    /// Logged in with `credential` (the current or previous value that worked), makes `pending` valid on the target.
    func apply(_ pending: Secret, loggedInWith credential: Secret) async -> RotationMachine.TargetResult

    /// Uses `pending` as a consumer would (log in and run a query; `AUTH` and `PING`).
    func test(_ pending: Secret) async -> RotationMachine.TargetResult

    /// Removes what only kept the overlap alive: `old` (the value that was current before the last promotion) stops
    /// opening the target.
    func retire(_ old: Secret) async -> RotationMachine.TargetResult
}
