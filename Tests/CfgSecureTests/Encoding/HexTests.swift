import CfgSecure
import Testing

struct HexTests {
    @Test func encodesLowercase() {
        #expect(Hex.encode([0x00, 0x0f, 0xab, 0xff]) == "000fabff")
        #expect(Hex.encode([UInt8]()) == "")
    }

    @Test func encodesSecretsIntoSecrets() {
        let encoded = Hex.encode(Secret(bytes: [0xde, 0xad, 0xbe, 0xef]))
        #expect(encoded.stringValue() == "deadbeef")
        #expect(Hex.encode(Secret(bytes: [])).isEmpty)
    }
}
