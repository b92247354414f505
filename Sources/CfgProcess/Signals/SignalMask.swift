#if canImport(Glibc)
package import Glibc
#endif

/// The signal mask the process was started with: what a command cfg starts (or becomes) gets, whatever thread
/// starts it.
package enum SignalMask {
    /// The main thread's mask, saved by ``rememberStartup()``; nil until then.
    ///
    /// Written once on the main thread before any other thread exists, only read afterwards.
    nonisolated(unsafe) package private(set) static var startup: sigset_t?

    /// Saves the main thread's mask; called first thing in `main` (async code later runs on worker threads, which
    /// block almost every signal, and the runtime resets the main thread's).
    package static func rememberStartup() {
        var mask = sigset_t()
        pthread_sigmask(SIG_BLOCK, nil, &mask)
        startup = mask
    }

    /// A mask that blocks nothing.
    package static var empty: sigset_t {
        var mask = sigset_t()
        sigemptyset(&mask)
        return mask
    }

    /// Gives the calling thread the startup mask (one that blocks nothing when none was saved), because `execve`
    /// keeps the caller's.
    static func restoreStartup() {
        var mask = startup ?? empty
        pthread_sigmask(SIG_SETMASK, &mask, nil)
    }
}
