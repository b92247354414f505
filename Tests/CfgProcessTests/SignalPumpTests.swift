import Synchronization
import Testing

@testable import CfgProcess

#if canImport(Glibc)
import Glibc
#endif

/// The signals `cfg run` takes, received through the C handler, the pipe and the reading thread.
struct SignalPumpTests {
    @Test func handledSignalsLeaveOutFaultsJobControlAndPipe() {
        let handled = Set(SignalPump.handled)
        for signal in [SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD, SIGCONT, SIGTSTP] {
            #expect(handled.contains(signal), "signal \(signal)")
        }
        for signal in [SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT, SIGTTIN, SIGTTOU] {
            #expect(!handled.contains(signal), "signal \(signal)")
        }
        #expect(!handled.contains(SIGPIPE))
        // glibc keeps the first two real-time signals for itself.
        #expect(!handled.contains(32) && !handled.contains(33) && handled.contains(34) && handled.contains(64))
    }

    /// The handlers are the process's: this is the only test that installs one (for SIGUSR2, which nothing else in
    /// the test runner uses), and only once.
    @Test func signalSentToTheProcessIsDelivered() async throws {
        let received = Mutex<[Int32]>([])
        try SignalPump(signals: [SIGUSR2]).start { signal, fromTerminal in
            if !fromTerminal { received.withLock { $0.append(signal) } }
        }
        kill(getpid(), SIGUSR2)
        try await Child.wait { received.withLock { $0 } == [SIGUSR2] }
        kill(getpid(), SIGUSR2)
        try await Child.wait { received.withLock { $0 } == [SIGUSR2, SIGUSR2] }
    }
}
