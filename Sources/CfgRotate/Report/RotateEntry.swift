import CfgBackend
package import CfgRotation
package import FoundationEssentials

/// What `cfg rotate` did (or would do, or found) for one policy: names, version ids, dates and sentences, never a
/// value.
package struct RotateEntry: Sendable, Hashable {
    /// The policy's name (the secret's name).
    package var name: String
    /// The secret's path in the backend.
    package var path: String
    /// The run's result: `rotated`, `retired`, `nothingDue`, `rolledBack`, `needsAttention`, `lockBusy`, or, for
    /// `--dry-run` and `--status`, `planned` and `status`.
    package var result: Result
    /// One sentence for a person (what happened, or what to do).
    package var detail: String
    /// The version that is current after the run, when known.
    package var versionID: String?
    /// The machine's actions, in order (empty for `--status` and `--dry-run`).
    package var actions: [String] = []
    /// What failed, when something did (a backend's or applier's sentence; never a value).
    package var failure: String?
    /// Further facts: what an applier persisted, a Fernet prune, an `after` command's exit.
    package var notes: [String] = []
    /// Where the rotation stands (for `--status` and `--dry-run`, and after a run).
    package var lastRotation: Date?
    package var nextDue: Date?
    package var pendingVersionID: String?
    package var lockHolder: String?

    package enum Result: String, Sendable, Hashable {
        case rotated, retired, nothingDue, rolledBack, needsAttention, lockBusy, planned, status
    }

    package init(name: String, path: String, result: Result, detail: String) {
        self.name = name
        self.path = path
        self.result = result
        self.detail = detail
    }
}

extension RotateEntry {
    /// A policy that stopped before its run, with the error's sentence (the layers' errors never hold a value).
    init(needingAttention item: PlannedRotation, _ detail: String, failure: any Error & CustomStringConvertible) {
        self.init(name: item.name, path: item.path.rawValue, result: .needsAttention, detail: detail)
        self.failure = failure.description
    }
}

extension RotateEntry.Result {
    /// The result of a finished run.
    init(_ outcome: RotationOutcome) {
        switch outcome {
        case .nothingDue: self = .nothingDue
        case .rotated: self = .rotated
        case .retired: self = .retired
        case .rolledBack: self = .rolledBack
        case .needsAttention: self = .needsAttention
        case .lockBusy: self = .lockBusy
        }
    }
}
