import CfgSecure
import Testing

struct RandomTokenTests {
    @Test(arguments: [
        (RandomToken.Encoding.hex, 32, 64, "0123456789abcdef"),
        (.base64, 32, 44, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
        (.base64url, 32, 43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        (.hex, 1, 2, "0123456789abcdef"),
        (.base64, 16, 24, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
        (.base64url, 16, 22, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
    ])
    func hasTheExpectedLengthAndAlphabet(
        encoding: RandomToken.Encoding,
        byteCount: Int,
        length: Int,
        alphabet: String
    )
        throws
    {
        let token = try #require(RandomToken.generate(byteCount: byteCount, encoding: encoding).stringValue())
        #expect(token.count == length)
        #expect(token.allSatisfy { alphabet.contains($0) })
    }

    @Test func decodesBackToTheByteCount() throws {
        let standard = RandomToken.generate(byteCount: 20, encoding: .base64)
        #expect(try Base64Codec.decode(standard, variant: .standard).count == 20)
        let urlSafe = RandomToken.generate(byteCount: 20, encoding: .base64url)
        #expect(try Base64Codec.decode(urlSafe, variant: .urlSafe).count == 20)
    }

    @Test func tokensDiffer() {
        #expect(
            RandomToken.generate(byteCount: 32, encoding: .hex) != RandomToken.generate(byteCount: 32, encoding: .hex)
        )
    }
}
