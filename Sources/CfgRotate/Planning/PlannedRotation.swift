package import CfgBackend
package import CfgConfig
package import CfgRotation

/// One `rotation:` policy ready to run: the policy, the secret it rotates and the machine's rules for it.
package struct PlannedRotation: Sendable {
    /// The policy as the environment file declares it.
    package var policy: RotationPolicy
    /// The rotated secret's declaration.
    package var declaration: SecretDeclaration
    /// The rules the state machine follows for it (period, overlap, retries, lock).
    package var machinePolicy: RotationMachine.Policy

    /// The policy's name (the secret's name).
    package var name: String { policy.secret }
    /// Where the secret lives in the backend.
    package var path: SecretPath { SecretPath(declaration.path) }
    /// The key holding the rotated value (a Fernet list, a password), or nil for a whole secret.
    package var key: String? { policy.key }

    package init(policy: RotationPolicy, declaration: SecretDeclaration, machinePolicy: RotationMachine.Policy) {
        self.policy = policy
        self.declaration = declaration
        self.machinePolicy = machinePolicy
    }
}
