import CfgTemplate
import Testing

/// The ASCII shortcut answers exactly as Unicode's White_Space property, for every scalar.
struct WhitespaceTests {
    @Test func everyScalarIsWhitespaceExactlyWhenUnicodeSaysSo() {
        var differing: [UInt32] = []
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }  // surrogates
            if scalar.isWhitespace != scalar.properties.isWhitespace { differing.append(value) }
        }
        #expect(differing.isEmpty)
        #expect(Unicode.Scalar(0x85)!.isWhitespace && Unicode.Scalar(0x3000)!.isWhitespace)
        #expect(!Unicode.Scalar(0x200B)!.isWhitespace)  // zero width space is not White_Space
    }
}
