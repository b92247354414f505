/// How a child process ended, as `waitpid` reports it.
package enum ChildExit: Sendable, Hashable {
    /// It exited with this status (0–255).
    case exited(Int32)
    /// This signal killed it.
    case signalled(Int32)

    /// Decodes a `waitpid` status word of an ended child (`WIFEXITED`, `WEXITSTATUS`, `WTERMSIG`, which Swift does
    /// not import: they are macros).
    package init(waitStatus status: Int32) {
        let signal = status & 0x7f
        self = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }

    /// The status a shell reports for it (`$?`): the exit status, or 128 + the signal that killed it. The
    /// executable's exit-code mapping passes the command's on as cfg's own.
    package var shellStatus: Int32 {
        switch self {
        case .exited(let status): status
        case .signalled(let signal): 128 + signal
        }
    }
}
