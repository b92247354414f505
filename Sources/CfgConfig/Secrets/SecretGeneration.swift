/// What `cfg init` writes for a secret.
package enum SecretGeneration: Sendable, Hashable {
    /// A plain (non-JSON) secret made by one generator.
    case whole(GeneratorSpec)
    /// A JSON object secret, key by key, in order.
    case keys([KeyGeneration])
}
