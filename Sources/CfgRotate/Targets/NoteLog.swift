import Synchronization

/// Sentences collected while a target runs (why a login was refused, what was persisted), for the report. Never a
/// value: the appliers' error descriptions name endpoints, roles and codes only.
final class NoteLog: Sendable {
    private let notes = Mutex<[String]>([])

    func add(_ note: String) {
        notes.withLock { notes in
            // The same failure repeats on every retry: keep each sentence once.
            if !notes.contains(note) { notes.append(note) }
        }
    }

    var all: [String] { notes.withLock { $0 } }
}
