internal import CProcess
import CfgSecure
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// Receives the process's signals for `cfg run`: a handler (in C, because it must be async-signal-safe) writes each
/// one to a pipe, and a dedicated thread reads them out. A handler, not blocking and `sigwait`: the Swift runtime
/// resets the main thread's mask, and signals to PID 1 without a handler are dropped by the kernel.
///
/// The handlers and the pipe are the process's: start one pump per process.
package struct SignalPump: SignalSource {
    /// The signals cfg run takes: every catchable one but those the kernel raises for a fault in cfg itself
    /// (SEGV, BUS, FPE, ILL, TRAP, SYS, ABRT), terminal job control (TTIN, TTOU) and SIGPIPE (a write to a closed
    /// pipe must fail with EPIPE in the writer). SIGCHLD is taken to reap. Real-time signals 32 and 33 are glibc's.
    package static let handled: [Int32] = {
        let excluded: Set<Int32> = [
            SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT, SIGTTIN, SIGTTOU, SIGPIPE,
        ]
        return (1...31).filter { !excluded.contains($0) } + Array(34...64)
    }()

    /// The signals this pump takes.
    package var signals: [Int32]

    package init(signals: [Int32] = SignalPump.handled) {
        self.signals = signals
    }

    /// Installs the handlers and starts the thread that calls `deliver` with each signal. The thread runs until the
    /// process exits.
    ///
    /// - Throws: `.signalHandlers` when the handlers could not be installed.
    package func start(_ deliver: @escaping @Sendable (Int32, Bool) -> Void) throws(ProcessError) {
        let installed = signals.map { CInt($0) }.withUnsafeBufferPointer { signals in
            cfg_signal_install(signals.baseAddress, CInt(signals.count)) == 0
        }
        guard installed else {
            let errorNumber = errno
            throw ProcessError(
                .signalHandlers,
                "run: cannot install the signal handlers (\(String(cString: strerror(errorNumber)))).",
                systemErrorNumber: errorNumber
            )
        }
        DetachedThread.start(name: "cfg-signals") {
            var code: CInt = 0
            while true {
                let signal = cfg_signal_read(&code)
                guard signal > 0 else { return }
                deliver(signal, code == SI_KERNEL)
            }
        }
    }
}
