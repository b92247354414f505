package import CfgBackend
package import CfgSecure
package import FoundationEssentials

/// The rotation record as it is stored in the backend: a small JSON secret beside the rotated one, at
/// `<path>/.cfg-rotation`, holding dates and version ids only.
///
/// `{"lastRotation":1800000000000,"retirement":{"versionID":"3","notBefore":1800086400000}}` (dates in milliseconds
/// since 1970; `retirement` absent when nothing is to retire). It is written under the lock, with check-and-set on the
/// version the run observed, as a new version with the `current` label.
package struct RotationRecord: Sendable, Hashable {
    /// When the current version was promoted; nil before the first rotation (the runner then uses the current
    /// version's creation time).
    package var lastRotation: Date?
    /// A retirement still to do.
    package var retirement: RotationState.Retirement?

    package init(lastRotation: Date? = nil, retirement: RotationState.Retirement? = nil) {
        self.lastRotation = lastRotation
        self.retirement = retirement
    }

    /// Where the rotation record of the secret at `path` lives.
    package static func path(for path: SecretPath) -> SecretPath {
        SecretPath(path.rawValue + "/.cfg-rotation")
    }

    /// The record's JSON.
    package func encoded() -> Secret {
        let writer = SecureJSONWriter()
        writer.beginObject()
        if let lastRotation {
            writer.key("lastRotation")
            writer.number(Self.milliseconds(lastRotation))
        }
        if let retirement {
            writer.key("retirement")
            writer.beginObject()
            writer.key("versionID")
            writer.string(retirement.versionID)
            writer.key("notBefore")
            writer.number(Self.milliseconds(retirement.notBefore))
            writer.endObject()
        }
        writer.endObject()
        return writer.finish()
    }

    /// Parses a stored record; nil when it is not one (the runner then stops and names the record's path).
    package init?(parsing payload: Secret) {
        guard let json = try? SecureJSON(parsing: payload, maxDepth: 4), json.root.kind == .object else { return nil }
        var record = RotationRecord()
        if let node = json.root["lastRotation"], !node.isNull {
            guard let milliseconds = node.int() else { return nil }
            record.lastRotation = Self.date(milliseconds: milliseconds)
        }
        if let node = json.root["retirement"], !node.isNull {
            guard let versionID = node["versionID"]?.text(), let notBefore = node["notBefore"]?.int() else {
                return nil
            }
            record.retirement = RotationState.Retirement(
                versionID: versionID,
                notBefore: Self.date(milliseconds: notBefore)
            )
        }
        self = record
    }

    /// A date as whole milliseconds since 1970 (what the records store).
    static func milliseconds(_ date: Date) -> Int {
        Int((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    static func date(milliseconds: Int) -> Date {
        Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }
}
