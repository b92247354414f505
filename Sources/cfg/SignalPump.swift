internal import CProcess
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Receives the signals `cfg run` forwards: a handler (in C, because it must be async-signal-safe) writes each one
/// to a pipe, and a dedicated thread reads them out. A handler, not blocking and `sigwait`: the Swift runtime
/// resets the main thread's mask, and signals to PID 1 without a handler are dropped by the kernel.
enum SignalPump {
    /// The signals cfg run takes: every catchable one but those the kernel raises for a fault in cfg itself
    /// (SEGV, BUS, FPE, ILL, TRAP, SYS, ABRT), terminal job control (TTIN, TTOU) and SIGPIPE (a write to a closed
    /// pipe must fail with EPIPE in the writer). SIGCHLD is taken to reap. Real-time signals 32 and 33 are glibc's.
    static let handled: [Int32] = {
        let excluded: Set<Int32> = [
            SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT, SIGTTIN, SIGTTOU, SIGPIPE,
        ]
        return (1...31).filter { !excluded.contains($0) } + Array(34...64)
    }()

    /// The signal mask the process started with, saved by ``rememberStartupMask()``: what the command gets.
    ///
    /// Written once on the main thread before any other thread exists, only read afterwards.
    nonisolated(unsafe) private(set) static var startupMask: sigset_t?

    /// Saves the main thread's mask; called first thing in `main` (async code later runs on worker threads, which
    /// block almost every signal, and the runtime resets the main thread's).
    static func rememberStartupMask() {
        var mask = sigset_t()
        pthread_sigmask(SIG_BLOCK, nil, &mask)
        startupMask = mask
    }

    /// A mask that blocks nothing.
    static func emptyMask() -> sigset_t {
        var mask = sigset_t()
        sigemptyset(&mask)
        return mask
    }

    /// Installs the handlers and starts the thread that calls `deliver` with each signal (its number, and whether
    /// the kernel sent it for the terminal, `si_code == SI_KERNEL`). The thread runs until the process exits.
    ///
    /// - Returns: false when the handlers could not be installed.
    static func start(_ deliver: @escaping @Sendable (Int32, Bool) -> Void) -> Bool {
        let installed = handled.map { CInt($0) }.withUnsafeBufferPointer { signals in
            cfg_signal_install(signals.baseAddress, CInt(signals.count)) == 0
        }
        guard installed else { return false }
        let thread = Thread {
            var code: CInt = 0
            while true {
                let signal = cfg_signal_read(&code)
                guard signal > 0 else { return }
                deliver(signal, code == SI_KERNEL)
            }
        }
        thread.name = "cfg-signals"
        thread.start()
        return true
    }
}
