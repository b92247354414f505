import CfgBackend
import Dispatch

/// Runs blocking file work (reads, `flock` waits, `fsync`) on a Dispatch thread instead of the cooperative pool.
enum BlockingIO {
    /// Runs `body` on a global Dispatch queue and returns its result.
    static func run<T: Sendable>(
        _ body: @escaping @Sendable () throws(BackendError) -> T
    ) async throws(BackendError) -> T {
        let outcome: Result<T, BackendError> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(returning: Result { () throws(BackendError) -> T in try body() })
            }
        }
        return try outcome.get()
    }
}
