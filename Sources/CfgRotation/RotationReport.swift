package import CfgBackend

/// What one run of `RotationRunner` did to one secret: the machine's outcome, the actions performed and, when a step
/// failed, the backend's sentence. Version ids, dates, owners and paths only: never a value.
package struct RotationReport: Sendable, Hashable, CustomStringConvertible {
    /// The rotated secret.
    package var path: SecretPath
    /// How the run ended.
    package var outcome: RotationOutcome
    /// The actions performed, in order, by name (`acquireLock`, `observe`, `generateAndStorePending`, …).
    package var actions: [String]
    /// Why the last failing step failed (a backend error's description, or a sentence of the runner's); nil when
    /// nothing failed.
    package var failure: String?

    package init(path: SecretPath, outcome: RotationOutcome, actions: [String], failure: String?) {
        self.path = path
        self.outcome = outcome
        self.actions = actions
        self.failure = failure
    }

    package var description: String {
        let base = "\(path): \(outcome)"
        guard let failure else { return base }
        return "\(base) (\(failure))"
    }
}
