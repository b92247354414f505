import CfgBackend
import Testing

@testable import CfgVault

@Suite struct KVv2LabelsTests {
    @Test func withoutCfgKeysTheLatestIsCurrentAndTheOneBeforePrevious() {
        #expect(KVv2Labels.labels(latest: 0, custom: [:]) == VersionLabels())
        #expect(KVv2Labels.labels(latest: 1, custom: ["team": "data"]) == VersionLabels([.current: "1"]))
        #expect(KVv2Labels.labels(latest: 7, custom: [:]) == VersionLabels([.current: "7", .previous: "6"]))
    }

    @Test func recordedLabelsHoldWhileTheLatestVersionIsTheRecordedOne() {
        let custom = ["cfg-current": "4", "cfg-previous": "3", "cfg-pending": "5", "cfg-labels-at": "5"]
        #expect(
            KVv2Labels.labels(latest: 5, custom: custom)
                == VersionLabels([.current: "4", .previous: "3", .pending: "5"])
        )
        // Another tool wrote version 6: what was written last is current again.
        #expect(KVv2Labels.labels(latest: 6, custom: custom) == VersionLabels([.current: "6", .previous: "5"]))
    }

    @Test func aPendingVersionIsRecordedAndPromotionCleansUp() {
        var labels = KVv2Labels.labels(latest: 4, custom: [:])
        labels.attach([.pending], to: "5")
        let pending = KVv2Labels.customMetadata(recording: labels, latest: 5, keeping: ["team": "data"])
        #expect(
            pending == [
                "team": "data", "cfg-current": "4", "cfg-previous": "3", "cfg-pending": "5", "cfg-labels-at": "5",
            ]
        )
        labels.attach([.current], to: "5")
        labels.remove(.pending)
        #expect(labels == VersionLabels([.current: "5", .previous: "4"]))
        #expect(KVv2Labels.customMetadata(recording: labels, latest: 5, keeping: pending) == ["team": "data"])
    }

    @Test func aRollbackIsRecorded() {
        var labels = KVv2Labels.labels(latest: 3, custom: [:])
        labels.attach([.current], to: "1")
        let custom = KVv2Labels.customMetadata(recording: labels, latest: 3, keeping: [:])
        #expect(KVv2Labels.labels(latest: 3, custom: custom) == VersionLabels([.current: "1", .previous: "3"]))
    }
}
