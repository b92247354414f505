import CfgBackend
import CfgTestSupport
import Testing

@testable import CfgVault

/// The backend conformance suite against the real OpenBao server, KV v2 mount `secret`.
@Suite struct VaultConformanceTests {
    @Test(arguments: BackendConformance.checks)
    func conformance(_ check: BackendConformance.Check) async throws {
        let backend = try VaultFixture.rootBackend()
        try await check.run({ backend }, VaultFixture.unique("cfg-conformance"))
        await backend.close()
    }
}
