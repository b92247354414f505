package import CfgBackend
package import CfgSecure
package import FoundationEssentials

/// The lock record as it is stored in the backend: a small JSON secret beside the rotated one, at
/// `<path>/.cfg-rotation-lock`, holding no value.
///
/// `{"owner":"host/1234/9f2c01ab","expiresAt":1800000300000,"released":false}` (`expiresAt` in milliseconds since
/// 1970). Every write is a new version with the `current` label, made with check-and-set: acquiring writes on "no
/// record" or on the version of a released or expired record, renewing and releasing write on our own version, so two
/// runs never both believe they hold it. Releasing writes `released: true` rather than deleting, because the backend
/// protocol has no check-and-set delete.
package struct RotationLockRecord: Sendable, Hashable {
    /// The holder and its expiry.
    package var lock: RotationLock
    /// The holder gave it back: anyone may take it.
    package var released: Bool

    package init(lock: RotationLock, released: Bool = false) {
        self.lock = lock
        self.released = released
    }

    /// Where the lock record of the secret at `path` lives.
    package static func path(for path: SecretPath) -> SecretPath {
        SecretPath(path.rawValue + "/.cfg-rotation-lock")
    }

    /// Whether another run may write over this record at `now`.
    package func isFree(at now: Date) -> Bool { released || lock.hasExpired(at: now) }

    /// The record's JSON.
    package func encoded() -> Secret {
        let writer = SecureJSONWriter()
        writer.beginObject()
        writer.key("owner")
        writer.string(lock.owner)
        writer.key("expiresAt")
        writer.number(RotationRecord.milliseconds(lock.expiresAt))
        writer.key("released")
        writer.bool(released)
        writer.endObject()
        return writer.finish()
    }

    /// Parses a stored record; nil when it is not one (the runner then stops and names the record's path).
    package init?(parsing payload: Secret) {
        guard let json = try? SecureJSON(parsing: payload, maxDepth: 4),
            let owner = json.root["owner"]?.text(),
            let expiresAt = json.root["expiresAt"]?.int(),
            let released = json.root["released"]?.bool()
        else { return nil }
        self.init(
            lock: RotationLock(owner: owner, expiresAt: RotationRecord.date(milliseconds: expiresAt)),
            released: released
        )
    }
}
