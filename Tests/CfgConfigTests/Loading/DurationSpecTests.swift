import Testing

@testable import CfgConfig

struct DurationSpecTests {
    @Test(arguments: [("45s", 45), ("1m", 60), ("2h", 7200), ("90d", 7_776_000), ("1w", 604_800), ("007d", 604_800)])
    func durationConvertsToSeconds(_ text: String, _ seconds: Int) {
        #expect(DurationSpec.seconds(from: text) == seconds)
        #expect(EnvironmentFileLoader.parseDuration(text) == seconds)
    }

    @Test(arguments: ["", "d", "90", "0d", "-1d", "+1d", "1.5h", "1y", "1 d", "1D", "١d", "99999999999999999999w"])
    func nonDurationIsRejected(_ text: String) {
        #expect(DurationSpec.seconds(from: text) == nil)
    }
}
