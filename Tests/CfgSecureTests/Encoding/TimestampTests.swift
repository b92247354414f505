import CfgSecure
import Foundation
import Testing

struct TimestampTests {
    @Test(arguments: [
        ("2026-11-21T12:00:00Z", 1_795_262_400.0),
        ("2026-11-21T12:00:00.500Z", 1_795_262_400.5),
        ("2026-11-21T13:30:00+01:30", 1_795_262_400.0),
        ("2026-11-21T10:30:00-01:30", 1_795_262_400.0),
        ("1970-01-01T00:00:00Z", 0.0),
        ("2000-02-29T00:00:00z", 951_782_400.0),
        // Vault writes nine fraction digits.
        ("2026-11-21T12:00:00.284136250Z", 1_795_262_400.28413625),
        ("2026-11-21 12:00:00Z", 1_795_262_400.0),
    ])
    func rfc3339Times(text: String, seconds: Double) throws {
        let date = try #require(Timestamp.rfc3339(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001)
    }

    /// The same instants as Foundation's own ISO 8601 parser reads them.
    @Test(arguments: ["2026-11-21T12:00:00Z", "1999-12-31T23:59:59Z", "2024-02-29T06:07:08Z", "2100-03-01T00:00:00Z"])
    func rfc3339AgreesWithFoundation(text: String) throws {
        let expected = try #require(ISO8601DateFormatter().date(from: text))
        #expect(Timestamp.rfc3339(text) == expected)
    }

    @Test(arguments: [
        "2026-11-21", "2026-11-21T12:00:00", "2026-13-01T00:00:00Z", "2026-11-21T12:00:00Zjunk", "x", "",
        "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T12:60:00Z",
        "2026-11-21T12:00:00.Z", "2026-11-21T12:00:00+0100", "2026-11-21T12:00:00+25:00", "２０２６-11-21T12:00:00Z",
    ])
    func rfc3339Rejects(text: String) {
        #expect(Timestamp.rfc3339(text) == nil)
    }

    @Test(arguments: [
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777.0),
        ("Sat, 21 Nov 2026 12:00:00 GMT", 1_795_262_400.0),
    ])
    func httpDates(text: String, seconds: Double) throws {
        let date = try #require(Timestamp.httpDate(text))
        #expect(date.timeIntervalSince1970 == seconds)
    }

    @Test(arguments: [
        "Sun, 06 Nov 1994 08:49:37 UTC", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
        "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT ", "Sun, 31 Feb 1994 08:49:37 GMT",
        "Sun, 06 Abc 1994 08:49:37 GMT", "",
    ])
    func httpDateRejects(text: String) {
        #expect(Timestamp.httpDate(text) == nil)
    }
}
