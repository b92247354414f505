package import CfgRotation

/// A policy's target, ready for the runner, with the facts it collected for the report.
package struct PreparedTarget: Sendable {
    /// nil for store-only rotations (Fernet keys, secret keys).
    package var target: (any RotationTarget)?
    /// Non-secret notes after a run (what an applier persisted, for example).
    package var notes: @Sendable () async -> [String]

    package init(target: (any RotationTarget)?, notes: @escaping @Sendable () async -> [String] = { [] }) {
        self.target = target
        self.notes = notes
    }
}
