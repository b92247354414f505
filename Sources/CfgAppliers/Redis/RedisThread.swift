import Foundation

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
            let thread = Thread {
                continuation.resume(returning: Result { () throws(RedisError) -> T in try body() })
            }
            thread.name = "cfg-redis"
            thread.start()
        }
        return try outcome.get()
    }
}
