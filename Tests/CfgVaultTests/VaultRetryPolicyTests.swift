import CfgBackend
import Testing

@testable import CfgVault

@Suite struct VaultRetryPolicyTests {
    @Test(arguments: [
        (412, true), (429, true), (500, true), (502, true), (503, true), (501, false), (400, false), (403, false),
        (404, false), (472, false),
    ])
    func retryableStatuses(status: Int, retryable: Bool) {
        #expect(VaultRetryPolicy.isRetryable(status: status) == retryable)
    }

    @Test func fullJitterGrowsExponentiallyUpToTheCap() throws {
        let policy = VaultRetryPolicy(
            maxRetries: 8,
            baseDelay: .milliseconds(100),
            maxDelay: .seconds(1),
            budget: .seconds(60)
        )
        #expect(try #require(policy.delay(beforeRetry: 0, elapsed: .zero, random: 0.999_999)) < .milliseconds(100))
        #expect(policy.delay(beforeRetry: 2, elapsed: .zero, random: 0.5) == .milliseconds(200))
        #expect(policy.delay(beforeRetry: 7, elapsed: .zero, random: 0.5) == .milliseconds(500))
        #expect(policy.delay(beforeRetry: 3, elapsed: .zero, random: 0) == .zero)
    }

    @Test func noRetryBeyondTheCountOrTheBudget() {
        let policy = VaultRetryPolicy(
            maxRetries: 2,
            baseDelay: .milliseconds(100),
            maxDelay: .seconds(1),
            budget: .seconds(1)
        )
        #expect(policy.delay(beforeRetry: 2, elapsed: .zero, random: 0.5) == nil)
        #expect(policy.delay(beforeRetry: 1, elapsed: .milliseconds(950), random: 0.5) == nil)
        #expect(policy.delay(beforeRetry: 1, elapsed: .milliseconds(800), random: 0.5) == .milliseconds(100))
    }
}
