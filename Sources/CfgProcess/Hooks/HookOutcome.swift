/// How a command hook ended (``HookCommand/run(input:)``).
///
/// Its textual form is a sentence fragment with no value in it: the program's exit status or signal, or why it could
/// not start (which names the program, never its input or environment).
package enum HookOutcome: Sendable, Hashable, CustomStringConvertible {
    /// It exited with this status (0–255).
    case exited(Int32)
    /// This signal killed it (not one cfg sent: a hook cfg stops is ``timedOut``).
    case signalled(Int32)
    /// It was still running at its timeout (or the task running it was cancelled): cfg sent its process group SIGTERM,
    /// then SIGKILL after the grace period, and reaped it. Whatever it did is unknown.
    case timedOut
    /// It never ran: the program was not found or cannot be executed (the sentence says which and why), or, rarely,
    /// its exit status was lost (something else in the process reaped it).
    case couldNotStart(String)

    /// Whether it exited with status 0.
    package var succeeded: Bool { self == .exited(0) }

    /// What happened, for a report or a log line: "exited with status 3", "was killed by signal 9", "timed out", or
    /// the reason it could not start.
    package var description: String {
        switch self {
        case .exited(let status): "exited with status \(status)"
        case .signalled(let signal): "was killed by signal \(signal)"
        case .timedOut: "timed out"
        case .couldNotStart(let reason): reason
        }
    }

    /// The outcome for a child that ended as `exit` says.
    init(_ exit: ChildExit) {
        switch exit {
        case .exited(let status): self = .exited(status)
        case .signalled(let signal): self = .signalled(signal)
        }
    }
}
