package import CfgProcess
package import CfgRotation
package import CfgSecure

/// A rotation target made of user commands (`apply: { command: […], test: […], retire: […] }`): for a credential cfg
/// has no native applier for, such as an Airflow user's password (`airflow users reset-password`).
///
/// Each call runs a ``HookCommand`` with a JSON document on its stdin (``HookInput``) and maps how it ended to the
/// machine's answer (``CfgProcess/HookOutcome/targetResult``): exit 0 `.succeeded`, exit 75 `.unreachable`, another
/// exit status `.rejected`, a timeout, a signal or a program that could not start `.unreachable`. Values reach the
/// commands only on stdin, never in their arguments or environment.
///
/// - `apply(pending, loggedInWith:)` runs the apply command with
///   `{"phase":"apply","secret":NAME,"pending":P,"current":C}`.
/// - `test(pending)` and `tryLogin(with:)` run the test command with `{"phase":"test","secret":NAME,"pending":V}`
///   (for a login, V is the pending, current or previous value the runner tries). Without a test command, `test`
///   answers `.succeeded` and logins answer as ``LoginGuess`` says: the pending value `.rejected`, the current one
///   `.succeeded`, so the apply command runs in every rotation that reaches the target and must be idempotent (run
///   twice with the same input, it succeeds twice).
/// - `retire(old)` runs the retire command with `{"phase":"retire","secret":NAME,"old":O}`; without one it answers
///   `.succeeded`.
///
/// Every command must be safe to repeat (``RotationTarget``): a run that stopped after a command and before its
/// answer was recorded runs it again. A value that is neither a JSON object nor valid UTF-8 cannot be written as
/// JSON: the command does not run and the answer is `.unreachable`.
package struct CommandTarget: RotationTarget {
    /// The secret's name, the `"secret"` member of every document.
    package let secret: String
    /// Makes the pending value valid on the target.
    package let applyCommand: HookCommand
    /// Tells whether a value opens the target; nil: see the type's discussion.
    package let testCommand: HookCommand?
    /// Stops the old value from opening the target; nil: nothing to do.
    package let retireCommand: HookCommand?
    /// The logins' answers without a test command.
    private let guess = LoginGuess()

    /// - Parameters:
    ///   - secret: the secret's name, as the hooks see it.
    ///   - apply: the apply command.
    ///   - test: the test command, if any.
    ///   - retire: the retire command, if any.
    package init(secret: String, apply: HookCommand, test: HookCommand? = nil, retire: HookCommand? = nil) {
        self.secret = secret
        self.applyCommand = apply
        self.testCommand = test
        self.retireCommand = retire
    }

    /// Runs the test command with `value` as `pending`; without one, answers as ``LoginGuess`` says.
    package func tryLogin(with value: Secret) async -> RotationMachine.TargetResult {
        guard let testCommand else { return guess.answer(value) }
        return await run(testCommand) { () throws(SecureJSONError) in
            try HookInput.test(secret: secret, pending: value)
        }
    }

    /// Runs the apply command with `pending` and `credential` (as `current`).
    package func apply(_ pending: Secret, loggedInWith credential: Secret) async -> RotationMachine.TargetResult {
        guess.reset()
        return await run(applyCommand) { () throws(SecureJSONError) in
            try HookInput.apply(secret: secret, pending: pending, current: credential)
        }
    }

    /// Runs the test command with `pending`; without one, `.succeeded`.
    package func test(_ pending: Secret) async -> RotationMachine.TargetResult {
        guess.reset()
        guard let testCommand else { return .succeeded }
        return await run(testCommand) { () throws(SecureJSONError) in
            try HookInput.test(secret: secret, pending: pending)
        }
    }

    /// Runs the retire command with `old`; without one, `.succeeded`.
    package func retire(_ old: Secret) async -> RotationMachine.TargetResult {
        guess.reset()
        guard let retireCommand else { return .succeeded }
        return await run(retireCommand) { () throws(SecureJSONError) in
            try HookInput.retire(secret: secret, old: old)
        }
    }

    /// Builds the input and runs `command` with it; `.unreachable` when the input cannot be built.
    private func run(
        _ command: HookCommand,
        input: () throws(SecureJSONError) -> Secret
    ) async -> RotationMachine.TargetResult {
        guard let document = try? input() else { return .unreachable }
        return await command.run(input: document).targetResult
    }
}
