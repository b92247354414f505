import CfgRotation

/// The sentences of the report: what a status means, what a run would do, how a run ended. Names, version ids and
/// dates only.
extension RotateEngine {
    /// What a run in `mode` would do.
    static func plan(_ status: RotationStatus, mode: RotationMachine.Mode) -> String {
        let state = status.state
        var plan: String
        if state.current == nil {
            plan = "nothing to rotate: the secret has no current version (run cfg init)"
        } else if let pending = state.pending {
            plan = "would finish the rotation in progress (pending version \(pending))"
        } else if mode == .now || status.isDue {
            plan = "would rotate"
        } else if let retirement = state.retirement {
            plan =
                "would retire version \(retirement.versionID) once its overlap ends at "
                + RotateReport.iso(retirement.notBefore)
        } else {
            plan = "nothing to do: next due " + (status.nextDue.map(RotateReport.iso) ?? "now")
        }
        if let lock = status.lock { plan += " (once the lock held by \(lock.owner) is released)" }
        return plan
    }

    /// A status line: age, due date, a rotation in progress, a held lock.
    static func describe(_ status: RotationStatus) -> String {
        guard status.state.current != nil else { return "no current version (run cfg init)" }
        var parts: [String] = []
        if let last = status.state.lastRotation {
            parts.append("current since \(RotateReport.iso(last))")
        }
        if let next = status.nextDue {
            parts.append((status.isDue ? "due since " : "next due ") + RotateReport.iso(next))
        } else {
            parts.append("due now")
        }
        if let pending = status.state.pending { parts.append("rotation in progress (pending version \(pending))") }
        if let retirement = status.state.retirement {
            parts.append(
                "retires version \(retirement.versionID) after \(RotateReport.iso(retirement.notBefore))"
            )
        }
        if let lock = status.lock {
            parts.append("locked by \(lock.owner) until \(RotateReport.iso(lock.expiresAt))")
        }
        return parts.joined(separator: ", ")
    }

    /// One sentence per outcome, saying what to do where something is left.
    static func describe(_ outcome: RotationOutcome) -> String {
        switch outcome {
        case .nothingDue(let until):
            return "nothing due before \(RotateReport.iso(until))"
        case .rotated(let versionID):
            return "rotated: version \(versionID) is current"
        case .retired(let versionID):
            return "retired the value of version \(versionID)"
        case .rolledBack(let reason):
            return "rolled back (\(describe(reason))); the current value still works and the next run tries a new one"
        case .needsAttention(let reason):
            return "needs attention (\(describe(reason))); fix it, then run cfg rotate again: a pending version is "
                + "kept and the next run finishes it"
        case .lockBusy(let lock):
            return "another run (\(lock.owner)) holds the rotation lock until \(RotateReport.iso(lock.expiresAt)); "
                + "try again later"
        }
    }

    static func describe(_ reason: RotationOutcome.Reason) -> String {
        switch reason {
        case .targetRejected(let attempts): "the target refused the new value \(attempts) times"
        case .testFailed(let attempts): "the new value failed its test \(attempts) times"
        case .noCredentialWorks: "neither the pending, the current nor the previous value logs in to the target"
        case .targetUnreachable(let step): "the target could not be reached during \(step.rawValue)"
        case .backendFailed(let step): "the backend failed during \(step.rawValue)"
        case .lockLost: "the lock was lost during the run"
        case .noCurrentVersion: "the secret has no current version; create it with cfg init"
        case .unexpectedEvent(let step): "an internal error during \(step.rawValue)"
        }
    }
}
