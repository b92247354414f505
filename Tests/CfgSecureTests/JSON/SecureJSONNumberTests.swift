import CfgSecure
import Testing

struct SecureJSONNumberTests {
    /// The root of a one-value document.
    func node(_ text: String) throws -> SecureJSON.Node {
        try SecureJSON(parsing: Secret(copying: text)).root
    }

    @Test(arguments: [
        "0", "-0", "1", "-1", "1.5", "-0.25", "1e3", "1E-3", "2.5e+10", "0.1", "1.10", "123456789012345",
        "9007199254740993", "9223372036854775808", "1.7976931348623157e308", "4e-320", "2.2250738585072014e-308",
        "1.0000000000000001", "12345678901234567890123",
    ])
    func secureDoubleReadsWhatDoubleReads(_ text: String) throws {
        let value = try #require(try node(text).secureDouble())
        let expected = try #require(Double(text))
        #expect(value.bitPattern == expected.bitPattern)
    }

    @Test func secureDoubleGoesToInfinityOrZeroOutsideTheRange() throws {
        #expect(try node("1e400").secureDouble() == .infinity)
        #expect(try node("-1.8e308").secureDouble() == -.infinity)
        #expect(try node("1e-400").secureDouble() == 0)
    }

    @Test func secureDoubleIsNilForAnythingButANumber() throws {
        #expect(try node(#""1.5""#).secureDouble() == nil)
        #expect(try node("true").secureDouble() == nil)
        #expect(try node("[1]").secureDouble() == nil)
    }

    @Test(
        arguments: [
            ("0", 0), ("-0", 0), ("12", 12), ("12.9", 12), ("-12.9", -12), ("1.5e3", 1500), ("123e-2", 1),
            ("0.999", 0), ("-0.5", 0), ("1e-400", 0), ("0e999999999999999999999", 0), ("1E+2", 100),
            ("9007199254740993.0", 9_007_199_254_740_993), ("9223372036854775807", Int.max),
            ("-9223372036854775808", Int.min), ("922337203685477580.79e1", Int.max),
            ("0.00000000000000000000000000000000001e35", 1),
        ] as [(String, Int)]
    )
    func truncatedIntIsTheExactWholePart(_ text: String, _ expected: Int) throws {
        #expect(try node(text).truncatedInt() == expected)
    }

    @Test(arguments: [
        "9223372036854775808", "-9223372036854775809", "1e19", "1e999999999999999999999", "\"1\"", "null",
    ])
    func truncatedIntIsNilWhenTheWholePartDoesNotFitOrThisIsNoNumber(_ text: String) throws {
        #expect(try node(text).truncatedInt() == nil)
    }
}
