import CfgBackend
import CfgConfig
import CfgEngine

/// From a policy's `apply:` to the applier that changes the value where it is used.
enum TargetFactory {
    static func make(
        for item: PlannedRotation,
        environment: EnvironmentFile,
        backend: any SecretBackend
    ) async throws(EngineError) -> PreparedTarget {
        switch item.policy.apply {
        case .none:
            return PreparedTarget(target: nil)
        case .postgres, .redis, .command:
            throw EngineError(.configuration, "\(item.policy.position): this applier is not built yet")
        }
    }
}
