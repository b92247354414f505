import CfgSecure
import FoundationEssentials

/// Runs one blocking C call sequence on a thread of its own, so that Swift's cooperative pool never waits on it.
///
/// libpq's calls block on the network; each is bounded (the connect deadline, `statement_timeout`, TCP keepalives
/// and `tcp_user_timeout`), but even a bounded wait of seconds must not hold one of the few cooperative threads.
/// A rotation makes a handful of calls, so a short-lived thread per call costs nothing that matters.
enum BlockingCall {
    /// Runs `body` on a new thread and returns what it returned or threw.
    ///
    /// Cancelling the calling task does not interrupt `body`; it ends at its own bounds.
    static func run<T: Sendable, E: Error>(
        _ name: String,
        _ body: @escaping @Sendable () throws(E) -> T
    ) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            DetachedThread.start(name: name) {
                continuation.resume(returning: Result { () throws(E) -> T in try body() })
            }
        }
        return try result.get()
    }
}
