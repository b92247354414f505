package import FoundationEssentials

/// What a run finds in the backend about one rotation, as version ids and dates only (never a value).
///
/// The machine decides from this alone, so a run that starts after a crash (at any point) sees the same facts the
/// crashed run left behind and continues from them: a `pending` version means a rotation is in progress.
package struct RotationState: Sendable, Hashable {
    /// A removal scheduled at promotion: what only kept the overlap alive (the old Redis password, the old Fernet
    /// key), and the earliest time it may go.
    package struct Retirement: Sendable, Hashable {
        /// The version whose value is retired (the one that was current before the promotion).
        package var versionID: String
        /// The end of the overlap.
        package var notBefore: Date

        package init(versionID: String, notBefore: Date) {
            self.versionID = versionID
            self.notBefore = notBefore
        }
    }

    /// The version labelled `current`; nil when the secret has never been stored.
    package var current: String?
    /// The version labelled `previous`, if any.
    package var previous: String?
    /// The version labelled `pending`: a rotation in progress.
    package var pending: String?
    /// When the current version was promoted (or created, for a secret never rotated); nil when unknown.
    package var lastRotation: Date?
    /// A retirement still to do, if any.
    package var retirement: Retirement?

    package init(
        current: String?,
        previous: String? = nil,
        pending: String? = nil,
        lastRotation: Date? = nil,
        retirement: Retirement? = nil
    ) {
        self.current = current
        self.previous = previous
        self.pending = pending
        self.lastRotation = lastRotation
        self.retirement = retirement
    }
}
