import CfgSecure
import Testing

@Suite struct SecureBufferTests {
    @Test func appendsAcrossGrowthAndFinishesAsSecret() {
        let buffer = SecureBuffer(capacity: 4)
        var expected: [UInt8] = []
        for round in 0..<200 {
            let chunk = (0..<(round % 7 + 1)).map { UInt8(truncatingIfNeeded: round &* 31 &+ $0) }
            chunk.withUnsafeBytes { buffer.append($0) }
            expected += chunk
        }
        buffer.append(text: "{\"k\":")
        expected += Array("{\"k\":".utf8)
        buffer.append(Secret(copying: "é"))
        expected += Array("é".utf8)
        buffer.append(byte: 0)
        expected.append(0)
        #expect(buffer.count == expected.count)
        let secret = buffer.finish()
        #expect(secret == Secret(bytes: expected))
        #expect(buffer.isEmpty)
        #expect(buffer.finish().isEmpty)
    }

    @Test func printedFormsAreRedacted() {
        let buffer = SecureBuffer()
        buffer.append(text: "canary-value")
        var dumped = ""
        dump(buffer, to: &dumped)
        for text in [String(describing: buffer), String(reflecting: buffer), "\(buffer)", dumped] {
            #expect(!text.contains("canary-value"))
        }
    }
}
