internal import CFileSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread of its own for work that blocks (a C library's call, a signal pipe, a lock wait), which must not hold a
/// thread of Swift's cooperative pool. A POSIX thread, started detached: Foundation's `Thread` is not used, so
/// that the binary does not need Foundation's whole runtime for it.
package enum DetachedThread {
    /// Starts `body` on a new detached thread named `name` (at most 15 bytes are kept, as Linux allows).
    ///
    /// A thread that cannot be created is a resource exhaustion cfg cannot go on from: it stops the process.
    package static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Work(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(
            &thread,
            nil,
            { context in
                guard let context else { return nil }
                let work = Unmanaged<Work>.fromOpaque(context).takeRetainedValue()
                cfg_thread_set_name(work.name)
                work.body()
                return nil
            },
            box
        )
        guard status == 0 else {
            Unmanaged<Work>.fromOpaque(box).release()
            fatalError("cannot start a thread (\(status))")
        }
        pthread_detach(thread)
    }

    private final class Work: Sendable {
        let name: String
        let body: @Sendable () -> Void

        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }
}
