import CfgSecure
import Testing

@testable import CfgHTTP

/// Composed header lines are reused for the identical value object only, and the cache stays small.
struct HeaderLineCacheTests {
    /// Composes `Name: value` as the transport does, counting the calls.
    final class Composer: @unchecked Sendable {
        var calls = 0

        func compose(_ header: HTTPHeader) -> Secret {
            calls += 1
            let text = header.value.withUnsafeBytes { Array(header.name.utf8) + Array(": ".utf8) + Array($0) + [0] }
            return Secret(bytes: text)
        }
    }

    @Test func theSameValueObjectReusesItsLineAndAnyOtherValueIsComposed() throws {
        let cache = HeaderLineCache()
        let composer = Composer()
        let token = Secret(copying: "s.first")
        let copy = Secret(copying: "s.first")

        let line = try cache.line(for: HTTPHeader("X-Vault-Token", secret: token), compose: composer.compose)
        let again = try cache.line(for: HTTPHeader("X-Vault-Token", secret: token), compose: composer.compose)
        #expect(line === again)
        #expect(composer.calls == 1)

        let other = try cache.line(for: HTTPHeader("X-Vault-Token", secret: copy), compose: composer.compose)
        #expect(other !== line)
        #expect(composer.calls == 2)
        #expect(other.stringValue() == "X-Vault-Token: s.first\0")

        // The same value under another name is another line.
        let renamed = try cache.line(for: HTTPHeader("Authorization", secret: copy), compose: composer.compose)
        #expect(renamed.stringValue() == "Authorization: s.first\0")
        #expect(composer.calls == 3)
    }

    @Test func aFailedCompositionIsNotRemembered() {
        let cache = HeaderLineCache()
        let header = HTTPHeader("X-Bad", "value")
        #expect(throws: HTTPError.self) {
            try cache.line(for: header) { _ throws(HTTPError) in throw HTTPError(.invalidRequest, "bad header") }
        }
        #expect(cache.count == 0)
    }

    @Test func theCacheHoldsAtMostItsCapacityOfNames() throws {
        let cache = HeaderLineCache()
        let composer = Composer()
        for index in 0..<(HeaderLineCache.capacity * 3) {
            _ = try cache.line(for: HTTPHeader("X-Name-\(index)", "v"), compose: composer.compose)
            #expect(cache.count <= HeaderLineCache.capacity)
        }
    }
}
