/// Where the supervisor's signals come from: ``SignalPump`` in `cfg run` (the process's own signals); a test
/// sends its own.
package protocol SignalSource: Sendable {
    /// Starts calling `deliver` with each signal: its number, and whether the kernel sent it for the terminal to
    /// the whole foreground process group (`si_code == SI_KERNEL`).
    ///
    /// - Throws: `.signalHandlers` when the signals cannot be received.
    func start(_ deliver: @escaping @Sendable (Int32, Bool) -> Void) throws(ProcessError)
}
