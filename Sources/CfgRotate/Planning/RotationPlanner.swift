package import CfgConfig
package import CfgEngine
import CfgRotation
import CfgSuggestion

/// From the environment file's `rotation:` policies and the names on the command line to the rotations to run.
package enum RotationPlanner {
    /// The overlap of an applier that retires old values (Redis, a command hook with `retire`) when the policy sets
    /// none: twice `cfg run`'s refresh, and at least an hour, so every consumer has re-read the secret before the old
    /// value stops working.
    package static func defaultOverlap(refresh: Int?) -> Int {
        max(3_600, 2 * (refresh ?? 0))
    }

    /// The policies named (all of them when `names` is empty), in the environment file's order.
    ///
    /// - Throws: `EngineError` `.configuration` listing every unknown name (with the closest policy) and every policy
    ///   that cannot be rotated, together.
    package static func plan(_ environment: EnvironmentFile, names: [String]) throws(EngineError) -> [PlannedRotation] {
        var problems: [String] = []
        let known = environment.rotation.map(\.secret)
        for name in names where !known.contains(name) {
            problems.append(unknown(name, known: known, environment: environment.name))
        }
        var planned: [PlannedRotation] = []
        for policy in environment.rotation where names.isEmpty || names.contains(policy.secret) {
            guard let declaration = environment.secrets.first(where: { $0.name == policy.secret }) else { continue }
            if declaration.dynamic {
                problems.append(
                    "\(policy.position): rotation for '\(policy.secret)': a dynamic secret is issued by Vault per "
                        + "lease and cannot be rotated by cfg; remove the policy"
                )
                continue
            }
            if declaration.version != nil {
                problems.append(
                    "\(policy.position): rotation for '\(policy.secret)': the secret reads a pinned version "
                        + "(version: \(declaration.version ?? "")); rotate the secret it pins instead"
                )
                continue
            }
            planned.append(
                PlannedRotation(
                    policy: policy,
                    declaration: declaration,
                    machinePolicy: machinePolicy(for: policy, refresh: environment.run.refresh)
                )
            )
        }
        guard problems.isEmpty else { throw EngineError(.configuration, problems) }
        return planned
    }

    /// The machine's rules for one policy.
    static func machinePolicy(for policy: RotationPolicy, refresh: Int?) -> RotationMachine.Policy {
        let retires: Bool
        switch policy.apply {
        case .none, .postgres: retires = false
        case .redis: retires = true
        case .command(let command): retires = command.retire != nil
        }
        let overlap = retires ? (policy.overlap ?? defaultOverlap(refresh: refresh)) : nil
        var appliesToTarget = true
        if case .none = policy.apply { appliesToTarget = false }
        return RotationMachine.Policy(
            every: .seconds(policy.every),
            appliesToTarget: appliesToTarget,
            overlap: overlap.map { .seconds($0) }
        )
    }

    /// "no rotation policy 'x' in dev (did you mean 'y'?; policies: a, b)".
    private static func unknown(_ name: String, known: [String], environment: String) -> String {
        guard !known.isEmpty else {
            return "\(environment) has no rotation policies: add a 'rotation:' entry for '\(name)' first"
        }
        var message = "no rotation policy '\(name)' in \(environment)"
        if let closest = Suggestion.closest(to: name, among: known) { message += " (did you mean '\(closest)'?)" }
        return message + "; policies: " + known.joined(separator: ", ")
    }
}
