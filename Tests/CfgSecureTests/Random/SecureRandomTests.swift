import CfgSecure
import Testing

struct SecureRandomTests {
    @Test func producesTheRequestedCount() {
        #expect(SecureRandom.bytes(count: 0).isEmpty)
        #expect(SecureRandom.bytes(count: 33).count == 33)
        #expect(SecureRandom.secret(count: 32).count == 32)
    }

    @Test func differsBetweenCalls() {
        #expect(SecureRandom.bytes(count: 32) != SecureRandom.bytes(count: 32))
        #expect(SecureRandom.secret(count: 32) != SecureRandom.secret(count: 32))
    }

    @Test func uniformStaysBelowTheBoundAndCoversIt() {
        var seen = Set<UInt32>()
        for _ in 0..<2000 {
            let value = SecureRandom.uniform(10)
            #expect(value < 10)
            seen.insert(value)
        }
        #expect(seen.count == 10)
        #expect(SecureRandom.uniform(1) == 0)
    }
}
