package import CfgProcess

/// Runs a hook of `cfg rotate` that gets no value, only non-secret facts: Fernet's `confirm` command and the
/// `after` command run after promotion.
///
/// Its stdin is `{"phase":PHASE,"secret":NAME,KEY:VALUE…}` (``HookInput/facts(phase:secret:facts:)``), for example
/// `{"phase":"after","secret":"airflow/fernet","version":"7"}`. How it ended is returned as is; the caller decides
/// what a failure means (``CfgProcess/HookOutcome/targetResult`` gives the target mapping).
package struct HookRunner: Sendable {
    /// The command.
    package let command: HookCommand

    /// - Parameter command: the command.
    package init(command: HookCommand) {
        self.command = command
    }

    /// Runs the command with `{"phase":phase,"secret":secret,…facts}` on its stdin.
    ///
    /// - Parameters:
    ///   - phase: `"confirm"`, `"after"`.
    ///   - secret: the secret's name.
    ///   - facts: more members, as JSON strings, in order (not `phase` or `secret`; no key twice): non-secret facts
    ///     only, such as `("version", versionID)`.
    package func run(phase: String, secret: String, facts: [(key: String, value: String)] = []) async -> HookOutcome {
        await command.run(input: HookInput.facts(phase: phase, secret: secret, facts: facts))
    }

    /// Runs the `after` command: `{"phase":"after","secret":secret,"version":version}`.
    package func after(secret: String, version: String) async -> HookOutcome {
        await run(phase: "after", secret: secret, facts: [(key: "version", value: version)])
    }
}
