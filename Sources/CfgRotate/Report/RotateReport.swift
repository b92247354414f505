import CfgSecure
package import FoundationEssentials

/// Everything one `cfg rotate` run reports: one entry per policy, the run's overall status (which the executable turns
/// into its exit code), and the report as JSON (`--format json`) or as lines.
package struct RotateReport: Sendable, Hashable {
    /// How the run ended, worst first wins: a failure needing attention over a rollback over a busy lock over a
    /// rotation over nothing due.
    package enum Status: String, Sendable, Hashable, Comparable {
        /// Nothing was due: nothing changed.
        case nothingDue
        /// At least one policy rotated (or retired an old value) and none failed.
        case rotated
        /// Another run held a lock: nothing failed, try again later.
        case lockBusy
        /// A rotation failed and was undone: the current value still works; the next run tries a new one.
        case rolledBack
        /// Something needs a person: the report says what to run.
        case needsAttention

        private var rank: Int {
            switch self {
            case .nothingDue: 0
            case .rotated: 1
            case .lockBusy: 2
            case .rolledBack: 3
            case .needsAttention: 4
            }
        }

        package static func < (lhs: Status, rhs: Status) -> Bool { lhs.rank < rhs.rank }
    }

    /// The environment's name.
    package var environment: String
    /// `rotate`, `dry-run` or `status`.
    package var kind: String
    package var entries: [RotateEntry]

    package init(environment: String, kind: String, entries: [RotateEntry]) {
        self.environment = environment
        self.kind = kind
        self.entries = entries
    }

    /// The worst result of any entry.
    package var status: Status {
        entries.map { entry -> Status in
            switch entry.result {
            case .rotated, .retired: .rotated
            case .nothingDue, .planned, .status: .nothingDue
            case .lockBusy: .lockBusy
            case .rolledBack: .rolledBack
            case .needsAttention: .needsAttention
            }
        }.max() ?? .nothingDue
    }

    /// One line per entry, for stderr.
    package var lines: [String] {
        entries.map { entry in
            var line = "cfg: \(environment): \(entry.name): \(entry.detail)"
            if let failure = entry.failure { line += " (\(failure))" }
            for note in entry.notes { line += "; \(note)" }
            return line
        }
    }

    /// The report as one JSON document (dates as ISO 8601 in UTC).
    package var json: String {
        let writer = SecureJSONWriter()
        writer.beginObject()
        writer.key("environment")
        writer.string(environment)
        writer.key("kind")
        writer.string(kind)
        writer.key("status")
        writer.string(status.rawValue)
        writer.key("policies")
        writer.beginArray()
        for entry in entries { Self.write(entry, to: writer) }
        writer.endArray()
        writer.endObject()
        return (writer.finish().stringValue() ?? "{}") + "\n"
    }

    private static func write(_ entry: RotateEntry, to writer: SecureJSONWriter) {
        writer.beginObject()
        field("name", entry.name, writer)
        field("path", entry.path, writer)
        field("result", entry.result.rawValue, writer)
        field("detail", entry.detail, writer)
        field("version", entry.versionID, writer)
        field("pendingVersion", entry.pendingVersionID, writer)
        field("lastRotation", entry.lastRotation.map(Self.iso), writer)
        field("nextDue", entry.nextDue.map(Self.iso), writer)
        field("lockHolder", entry.lockHolder, writer)
        field("failure", entry.failure, writer)
        writer.key("actions")
        writer.beginArray()
        for action in entry.actions { writer.string(action) }
        writer.endArray()
        writer.key("notes")
        writer.beginArray()
        for note in entry.notes { writer.string(note) }
        writer.endArray()
        writer.endObject()
    }

    private static func field(_ name: String, _ value: String?, _ writer: SecureJSONWriter) {
        writer.key(name)
        if let value { writer.string(value) } else { writer.null() }
    }

    /// `2026-12-06T20:00:00Z`.
    package static func iso(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
