import CfgBackend
import CfgTestSupport
import Testing

@testable import CfgAWS

/// The backend conformance suite against moto's Secrets Manager.
@Suite struct AWSConformanceTests {
    @Test(arguments: BackendConformance.checks)
    func conformance(_ check: BackendConformance.Check) async throws {
        let backend = try AWSFixture.backend().backend
        try await check.run({ backend }, AWSFixture.unique("cfg-conformance"))
        await backend.close()
    }
}
