/// Supplies credentials; the chain and each provider in it conform. Safe to call from many tasks at once.
package protocol AWSCredentialProvider: Sendable {
    /// Credentials that are valid now (refreshed before they expire where the source allows).
    func credentials() async throws(AWSCredentialError) -> AWSCredentials
}
