import CfgSecure
import Foundation
import Testing

@testable import CfgAWSAuth

@Suite struct CredentialRefreshTests {
    @Test func reusedUntilFiveMinutesBeforeExpiry() async throws {
        let clock = CredentialClock()
        let inner = CountingCredentialProvider(clock: clock, lifetime: 3600)
        let cache = CachingCredentialProvider(inner, now: clock.now)

        let first = try await cache.credentials()
        #expect(first.accessKeyID == "ASIACOUNT1")
        clock.advance(50 * 60)  // T-10 min
        #expect(try await cache.credentials().accessKeyID == "ASIACOUNT1")
        #expect(inner.fetches == 1)
        clock.advance(6 * 60)  // T-4 min
        #expect(try await cache.credentials().accessKeyID == "ASIACOUNT2")
        #expect(inner.fetches == 2)
        #expect(try await cache.credentials().accessKeyID == "ASIACOUNT2")
        #expect(inner.fetches == 2)
    }

    @Test func concurrentCallersShareOneFetch() async throws {
        let clock = CredentialClock()
        let inner = CountingCredentialProvider(clock: clock, delay: .milliseconds(200))
        let cache = CachingCredentialProvider(inner, now: clock.now)
        let results = await withTaskGroup(of: Result<AWSCredentials, AWSCredentialError>.self) { group in
            for _ in 0..<20 {
                group.addTask { await CredentialFixture.result(cache) }
            }
            var all: [Result<AWSCredentials, AWSCredentialError>] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 20)
        #expect(results.allSatisfy { (try? $0.get().accessKeyID) == "ASIACOUNT1" })
        #expect(inner.fetches == 1)
        #expect(await cache.fetches == 1)

        // Due again: concurrent callers share the one renewal too.
        clock.advance(58 * 60)
        let renewed = await withTaskGroup(of: Result<AWSCredentials, AWSCredentialError>.self) { group in
            for _ in 0..<10 {
                group.addTask { await CredentialFixture.result(cache) }
            }
            var all: [Result<AWSCredentials, AWSCredentialError>] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(renewed.allSatisfy { (try? $0.get().accessKeyID) == "ASIACOUNT2" })
        #expect(inner.fetches == 2)
    }

    @Test func failedRenewalKeepsValidCredentialsThenFails() async throws {
        let clock = CredentialClock()
        let inner = CountingCredentialProvider(clock: clock, lifetime: 3600)
        let cache = CachingCredentialProvider(inner, now: clock.now)
        _ = try await cache.credentials()
        inner.fail(true)
        clock.advance(57 * 60)  // T-3 min: renewal fails, the old ones still work
        #expect(try await cache.credentials().accessKeyID == "ASIACOUNT1")
        #expect(try await cache.credentials().accessKeyID == "ASIACOUNT1")
        #expect(inner.fetches == 3)
        clock.advance(4 * 60)  // expired
        let error = try #require(await CredentialFixture.error(cache))
        #expect(error.code == .unreachable)
        inner.fail(false)
        #expect(try await cache.credentials().accessKeyID == "ASIACOUNT5")
    }

    @Test func firstFailureIsThrownAndRetriedNextTime() async throws {
        let clock = CredentialClock()
        let inner = CountingCredentialProvider(clock: clock)
        inner.fail(true)
        let cache = CachingCredentialProvider(inner, now: clock.now)
        #expect(await CredentialFixture.error(cache)?.code == .unreachable)
        inner.fail(false)
        #expect(try await cache.credentials().accessKeyID == "ASIACOUNT2")
    }

    @Test func credentialsWithoutExpiryAreFetchedOnce() async throws {
        let clock = CredentialClock()
        let cache = CachingCredentialProvider(
            StaticCredentialProvider(
                AWSCredentials(accessKeyID: "AKIASTATIC", secretAccessKey: Secret(copying: "s"), source: "test")
            ),
            now: clock.now
        )
        _ = try await cache.credentials()
        clock.advance(365 * 86_400)
        _ = try await cache.credentials()
        #expect(await cache.fetches == 1)
    }
}
