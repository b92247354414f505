import CfgAppliers
import Testing

@Suite struct RedisEndpointTests {
    @Test(
        arguments: [
            ("redis://127.0.0.1:6380", "127.0.0.1", 6380, false),
            ("redis://cache.internal", "cache.internal", 6379, false),
            ("redis://cache.internal/0", "cache.internal", 6379, false),
            ("redis://[::1]:7000/", "::1", 7000, false),
            ("rediss://master.cache.amazonaws.com:6379", "master.cache.amazonaws.com", 6379, true),
        ]
    )
    func parsesURLs(url: String, host: String, port: Int, usesTLS: Bool) throws {
        let endpoint = try RedisEndpoint(url: url)
        #expect(endpoint.host == host)
        #expect(endpoint.port == port)
        #expect(endpoint.usesTLS == usesTLS)
    }

    @Test(
        arguments: [
            "http://127.0.0.1:6379", "redis://", "redis://:6379", "redis://host:", "redis://host:99999",
            "redis://host:port", "redis://user:pass@host:6379", "redis://host/db", "redis://[::1", "redis://a b:1",
        ]
    )
    func refusesMalformedURLs(url: String) {
        #expect(throws: RedisError(.invalidEndpoint, "")) { try RedisEndpoint(url: url) }
    }

    @Test func aURLWithCredentialsIsRefusedWithoutEchoingThem() {
        do {
            _ = try RedisEndpoint(url: "redis://admin:CANARY-secret@host:6379")
            Issue.record("accepted")
        } catch {
            #expect(!error.description.contains("CANARY"))
        }
    }

    @Test func describesItselfAsHostAndPort() throws {
        #expect(try RedisEndpoint(host: "127.0.0.1", port: 6380).description == "127.0.0.1:6380")
        #expect(try RedisEndpoint(url: "redis://[::1]:7000").description == "[::1]:7000")
    }

    @Test func refusesZeroTimeouts() {
        #expect(throws: RedisError(.invalidEndpoint, "")) {
            try RedisEndpoint(host: "127.0.0.1", connectTimeout: .zero)
        }
    }
}
