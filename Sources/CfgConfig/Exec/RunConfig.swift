/// `run:`: how `cfg run` keeps the command's values current.
///
/// ```yaml
/// run:
///   refresh: 5m            # re-read the secrets this often (`never`: only when a lease ends)
///   on_change: restart     # restart | signal | none
///   signal: HUP            # on_change: signal — sent when only secret files changed
///   debounce: 5s           # wait this long after the last change before acting
///   stop_signal: TERM      # a restart stops the command with this signal…
///   stop_timeout: 30s      # …and kills it when it has not exited after this long
/// ```
package struct RunConfig: Sendable, Hashable {
    /// What a change of the values does to the running command.
    package enum OnChange: Sendable, Hashable {
        /// Stop the command and start it again with the new values.
        case restart
        /// Rewrite the secret files and send the signal (the command re-reads them); a change of the environment
        /// still restarts, because a running process's environment cannot change.
        case signal(SignalName)
        /// Keep the command running with the values it started with.
        case none
    }

    /// Seconds between re-reads; nil: never (dynamic secrets are still re-read when their lease ends).
    package var refresh: Int?
    package var onChange: OnChange
    package var debounce: Int
    package var stopSignal: SignalName
    package var stopTimeout: Int

    package init(
        refresh: Int? = 300,
        onChange: OnChange = .restart,
        debounce: Int = 5,
        stopSignal: SignalName = .term,
        stopTimeout: Int = 30
    ) {
        self.refresh = refresh
        self.onChange = onChange
        self.debounce = debounce
        self.stopSignal = stopSignal
        self.stopTimeout = stopTimeout
    }
}
