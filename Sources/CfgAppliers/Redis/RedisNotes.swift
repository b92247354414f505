import Synchronization

/// What a ``RedisTarget`` did that its `TargetResult` cannot say: how a change was persisted, why a step failed.
/// Fixed sentences with the endpoint, user names and Redis error codes only, never a value.
final class RedisNotes: Sendable {
    private let entries = Mutex<[String]>([])

    /// The most notes kept; older ones are dropped first.
    static let limit = 200

    func add(_ note: String) {
        entries.withLock { entries in
            entries.append(note)
            if entries.count > Self.limit {
                entries.removeFirst(entries.count - Self.limit)
            }
        }
    }

    var all: [String] {
        entries.withLock { $0 }
    }

    func removeAll() {
        entries.withLock { $0.removeAll() }
    }
}
