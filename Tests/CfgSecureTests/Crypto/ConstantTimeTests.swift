import CfgSecure
import Testing

struct ConstantTimeTests {
    @Test func equalBytesCompareEqual() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(constantTimeEquals(Array("token".utf8), "token".utf8))
        #expect(ConstantTime.equals([UInt8](), [UInt8]()))
    }

    @Test func differentBytesOrLengthsCompareUnequal() {
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(!ConstantTime.equals([UInt8](), [0]))
        #expect(!constantTimeEquals([0x80], [0x00]))
    }

    @Test func worksOnNonContiguousCollections() {
        let left = (1...5).lazy.map { UInt8($0) }
        #expect(ConstantTime.equals(left, [1, 2, 3, 4, 5]))
        #expect(!ConstantTime.equals(left, [1, 2, 3, 4, 6]))
    }
}
