import CfgSecure
import Testing

struct FernetKeyTests {
    @Test func isFortyFourURLSafeCharactersWithPadding() throws {
        let key = try #require(FernetKey.generate().stringValue())
        #expect(key.count == 44)
        #expect(key.hasSuffix("="))
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        #expect(key.dropLast().allSatisfy { alphabet.contains($0) })
    }

    @Test func decodesToThirtyTwoBytes() throws {
        let key = FernetKey.generate()
        #expect(try Base64Codec.decode(key, variant: .urlSafe).count == 32)
    }

    @Test func twoKeysDiffer() {
        #expect(FernetKey.generate() != FernetKey.generate())
    }
}
