import CfgSecure
import Testing

struct Base64CodecTests {
    /// RFC 4648 section 10.
    static let vectors: [(String, String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ]

    @Test(arguments: vectors)
    func encodesRFC4648Vectors(plain: String, encoded: String) {
        #expect(Base64Codec.encode(plain.utf8, variant: .standard) == encoded)
        #expect(Base64Codec.encode(Secret(copying: plain), variant: .standard).stringValue() == encoded)
        let unpadded = String(encoded.filter { $0 != "=" })
        #expect(Base64Codec.encode(plain.utf8, variant: .standard, padded: false) == unpadded)
    }

    @Test(arguments: vectors)
    func decodesPaddedAndUnpaddedForms(plain: String, encoded: String) throws {
        #expect(try Base64Codec.decode(encoded, variant: .standard).stringValue() == plain)
        let unpadded = String(encoded.filter { $0 != "=" })
        #expect(try Base64Codec.decode(unpadded, variant: .standard).stringValue() == plain)
        #expect(try Base64Codec.decode(Secret(copying: encoded), variant: .urlSafe).stringValue() == plain)
    }

    @Test func alphabetsDiffer() throws {
        let bytes: [UInt8] = [0xfb, 0xff, 0xbf]
        #expect(Base64Codec.encode(bytes, variant: .standard) == "+/+/")
        #expect(Base64Codec.encode(bytes, variant: .urlSafe) == "-_-_")
        #expect(try Base64Codec.decode("-_-_", variant: .urlSafe).withUnsafeBytes { Array($0) } == bytes)
    }

    @Test(arguments: [
        ("Zm9v\n", Base64Codec.Variant.standard),
        (" Zm9v", .standard),
        ("Zg=", .standard),
        ("Zg===", .standard),
        ("Z", .standard),
        ("Zh==", .standard),
        ("Zm9v!", .standard),
        ("-_-_", .standard),
        ("+/+/", .urlSafe),
        ("Zm9vé", .standard),
    ])
    func rejectsAnythingNotStrict(text: String, variant: Base64Codec.Variant) {
        let error = #expect(throws: CryptoError.self) {
            _ = try Base64Codec.decode(text, variant: variant)
        }
        #expect(error?.code == .invalidEncoding)
    }

    @Test func errorNeverContainsTheText() {
        let error = #expect(throws: CryptoError.self) {
            _ = try Base64Codec.decode(Secret(copying: canary), variant: .standard)
        }
        #expect(error.map { !$0.description.contains(canary) && !$0.description.contains("CANARY") } ?? false)
    }
}
