import CfgSecure
import Testing

struct HMACSHA256Tests {
    /// RFC 4231 test cases 1, 2 and 6 (6 uses a key longer than the block size).
    static let vectors: [(key: [UInt8], message: [UInt8], tag: String)] = [
        (
            [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        (
            Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        (
            [UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
    ]

    @Test(arguments: 0..<3)
    func matchesRFC4231(index: Int) {
        let vector = Self.vectors[index]
        #expect(Hex.encode(HMACSHA256.authenticate(vector.message, key: vector.key)) == vector.tag)
    }

    @Test(arguments: 0..<3)
    func secretKeyGivesTheSameTag(index: Int) {
        let vector = Self.vectors[index]
        #expect(Hex.encode(HMACSHA256.authenticate(vector.message, key: Secret(bytes: vector.key))) == vector.tag)
    }

    @Test func emptyKeyAndMessageWork() {
        // HMAC-SHA256("", "") from Python's hmac module.
        #expect(
            Hex.encode(HMACSHA256.authenticate([UInt8](), key: [UInt8]()))
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"
        )
    }
}
