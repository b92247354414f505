package import CfgBackend
package import CfgConfig
package import CfgEngine
import CfgProcess
package import CfgRotation
package import FoundationEssentials
package import Logging

/// `cfg rotate ENV [NAME…]`: runs, plans (`--dry-run`) or shows (`--status`) the environment's rotations, one policy
/// after the other over one backend session, and reports each.
///
/// A failure of one policy does not stop the others; every policy gets an entry, and the report's status is the
/// worst of them. Problems with the command line or the environment file stop the run before anything is touched.
package struct RotateEngine: Sendable {
    /// What the run does.
    package enum Kind: Sendable, Hashable {
        /// Rotate: only what is due (`--due`), or now.
        case rotate(RotationMachine.Mode)
        /// Say what a run would do; touch nothing.
        case dryRun(RotationMachine.Mode)
        /// Show each policy's age, next due date and any rotation in progress.
        case status
    }

    package var environment: EnvironmentFile
    package var processEnvironment: [String: String]
    package var logger: Logger
    /// Receives one line per step (for stderr): names and version ids only.
    package var progress: @Sendable (String) -> Void
    package var now: @Sendable () -> Date

    package init(
        environment: EnvironmentFile,
        processEnvironment: [String: String],
        logger: Logger,
        progress: @escaping @Sendable (String) -> Void = { _ in },
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.environment = environment
        self.processEnvironment = processEnvironment
        self.logger = logger
        self.progress = progress
        self.now = now
    }

    /// Runs `kind` for the policies named (all when `names` is empty).
    ///
    /// - Throws: `EngineError` for an unknown policy, a policy that cannot be rotated, or a backend that cannot be
    ///   opened; every failure after that is in the report.
    package func run(names: [String], kind: Kind) async throws(EngineError) -> RotateReport {
        let planned = try RotationPlanner.plan(environment, names: names)
        let entries = try await BackendFactory.withBackend(
            for: environment,
            processEnvironment: processEnvironment,
            logger: logger
        ) { backend throws(EngineError) in
            var entries: [RotateEntry] = []
            for item in planned {
                entries.append(await run(item, kind: kind, backend: backend))
            }
            return entries
        }
        let word =
            switch kind {
            case .rotate: "rotate"
            case .dryRun: "dry-run"
            case .status: "status"
            }
        return RotateReport(environment: environment.name, kind: word, entries: entries)
    }

    /// One policy.
    private func run(_ item: PlannedRotation, kind: Kind, backend: any SecretBackend) async -> RotateEntry {
        switch kind {
        case .status:
            return await status(of: item, backend: backend, mode: nil)
        case .dryRun(let mode):
            return await status(of: item, backend: backend, mode: mode)
        case .rotate(let mode):
            return await rotate(item, mode: mode, backend: backend)
        }
    }

    /// `--status` (mode nil) and `--dry-run`: reads, never writes.
    private func status(
        of item: PlannedRotation,
        backend: any SecretBackend,
        mode: RotationMachine.Mode?
    ) async
        -> RotateEntry
    {
        // Reading needs no target: the status is the backend's alone.
        var policy = item.machinePolicy
        policy.appliesToTarget = false
        let runner = RotationRunner(
            backend: backend,
            path: item.path,
            policy: policy,
            target: nil,
            generate: { current in current },
            now: now
        )
        let status: RotationStatus
        do {
            status = try await runner.status()
        } catch {
            return RotateEntry(needingAttention: item, "cannot read where the rotation stands", failure: error)
        }
        var entry = RotateEntry(
            name: item.name,
            path: item.path.rawValue,
            result: mode == nil ? .status : .planned,
            detail: mode.map { Self.plan(status, mode: $0) } ?? Self.describe(status)
        )
        entry.versionID = status.state.current
        entry.pendingVersionID = status.state.pending
        entry.lastRotation = status.state.lastRotation
        entry.nextDue = status.nextDue
        entry.lockHolder = status.lock?.owner
        return entry
    }

    /// Rotates one policy: the runner, then what follows a promotion.
    private func rotate(
        _ item: PlannedRotation,
        mode: RotationMachine.Mode,
        backend: any SecretBackend
    ) async
        -> RotateEntry
    {
        let name = item.name
        let environmentName = environment.name
        let progress = progress
        let prepared: PreparedTarget
        do {
            prepared = try await TargetFactory.make(
                for: item,
                environment: environment,
                processEnvironment: processEnvironment,
                backend: backend
            )
        } catch {
            return RotateEntry(needingAttention: item, "not rotated: its applier could not be prepared", failure: error)
        }
        let runner = RotationRunner(
            backend: backend,
            path: item.path,
            policy: item.machinePolicy,
            target: prepared.target,
            generate: PendingValue.generator(for: item),
            now: now,
            onAction: { action in progress("cfg: \(environmentName): \(name): \(action)") }
        )
        let report = await runner.run(mode)
        var entry = RotateEntry(
            name: name,
            path: item.path.rawValue,
            result: RotateEntry.Result(report.outcome),
            detail: Self.describe(report.outcome)
        )
        entry.actions = report.actions
        entry.failure = report.failure
        if case .rotated(let versionID) = report.outcome { entry.versionID = versionID }
        entry.notes += await prepared.notes()
        if case .rotated(let versionID) = report.outcome, let after = item.policy.after {
            await runAfter(after, item: item, versionID: versionID, entry: &entry)
        }
        switch report.outcome {
        case .rotated, .retired, .nothingDue:
            if let note = await FernetPruning.run(item, backend: backend, confirm: confirmation(for: item)) {
                entry.notes.append(note)
            }
        case .rolledBack, .needsAttention, .lockBusy:
            break
        }
        return entry
    }

    /// The policy's `after` command, once a rotation was promoted; its failure leaves the run needing attention.
    private func runAfter(_ after: [String], item: PlannedRotation, versionID: String, entry: inout RotateEntry) async {
        progress("cfg: \(environment.name): \(item.name): after")
        let outcome = await HookRunner(
            command: Hooks.command(after, timeout: Hooks.afterTimeout, environment: processEnvironment)
        ).after(secret: item.name, version: versionID)
        if outcome.succeeded {
            entry.notes.append("the after command succeeded")
        } else {
            entry.notes.append("the after command \(outcome); the rotation itself is done, run it again by hand")
            entry.result = .needsAttention
        }
    }

    /// The policy's `confirm` command as the pruning's question; nil without one.
    private func confirmation(for item: PlannedRotation) -> (@Sendable () async -> (succeeded: Bool, detail: String))? {
        guard let confirm = item.policy.confirm else { return nil }
        let runner = HookRunner(
            command: Hooks.command(confirm, timeout: Hooks.confirmTimeout, environment: processEnvironment)
        )
        let name = item.name
        let environmentName = environment.name
        let progress = progress
        return {
            progress("cfg: \(environmentName): \(name): confirm")
            let outcome = await runner.run(phase: "confirm", secret: name)
            return (outcome.succeeded, outcome.description)
        }
    }
}
