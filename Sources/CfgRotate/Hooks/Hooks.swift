import CfgProcess

/// How `cfg rotate` runs the commands of a policy: with cfg's own environment, from cfg's working directory, for a
/// bounded time.
enum Hooks {
    /// An apply, test or retire command of `apply: { command: … }`.
    static let targetTimeout: Duration = .seconds(120)
    /// Fernet's `confirm` command (re-encrypting every stored value can take a while).
    static let confirmTimeout: Duration = .seconds(1_800)
    /// A policy's `after` command.
    static let afterTimeout: Duration = .seconds(300)

    static func command(_ arguments: [String], timeout: Duration, environment: [String: String]) -> HookCommand {
        HookCommand(
            arguments: arguments,
            environment: environment.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) },
            timeout: timeout
        )
    }
}
