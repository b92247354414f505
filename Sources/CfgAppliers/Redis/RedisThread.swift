import CfgSecure
import FoundationEssentials

/// Runs blocking Redis work (hiredis connects, sends and waits) on a thread of its own, so a slow server never
/// holds a thread of the cooperative pool. Each call is bounded by the endpoint's timeouts.
package enum RedisThread {
    /// Runs `body` on a new thread and returns its result.
    package static func run<T: Sendable>(
        _ body: @escaping @Sendable () throws(RedisError) -> T
    ) async throws(RedisError)
        -> T
    {
        let outcome: Result<T, RedisError> = await withCheckedContinuation { continuation in
            DetachedThread.start(name: "cfg-redis") {
                continuation.resume(returning: Result { () throws(RedisError) -> T in try body() })
            }
        }
        return try outcome.get()
    }
}
