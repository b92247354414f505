import CfgSecure
import Synchronization

/// Header lines a transport has composed, by header name, so that a request sending the same value object again (a
/// session's token, a constant header) reuses its line instead of composing a new one in guarded memory.
///
/// Each composed line is a ``Secret``: creating one and releasing it opens and seals the secure arena twice, so a
/// Vault read paid for two or three header lines on top of its response. A line is reused only for the identical
/// value object (`===`), which the entry keeps alive, so an address cannot be reused by another value. A new value
/// for a name replaces the old entry (a renewed token releases the old line); the names come from cfg's own code,
/// and the cache is emptied if it ever holds more than ``capacity`` of them.
final class HeaderLineCache: Sendable {
    private struct Entry: Sendable {
        var value: Secret
        var line: Secret
    }

    /// The most names kept.
    static let capacity = 16

    private let entries = Mutex<[String: Entry]>([:])

    /// The line for `header`: the cached one when the same value object was composed for this name before, else
    /// `compose(header)`, remembered.
    func line(
        for header: HTTPHeader,
        compose: (HTTPHeader) throws(HTTPError) -> Secret
    ) throws(HTTPError) -> Secret {
        if let entry = entries.withLock({ $0[header.name] }), entry.value === header.value {
            return entry.line
        }
        let line = try compose(header)
        entries.withLock { entries in
            if entries[header.name] == nil, entries.count >= HeaderLineCache.capacity {
                entries.removeAll()
            }
            entries[header.name] = Entry(value: header.value, line: line)
        }
        return line
    }

    /// How many names have a line (for tests).
    var count: Int { entries.withLock { $0.count } }
}
