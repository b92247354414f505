import CfgBackend
import CfgRotation
import CfgSecure
import Foundation
import Testing

/// The lock and rotation records' JSON: round trips, and what is refused.
struct RotationRecordTests {
    static let date = Date(timeIntervalSince1970: 1_800_000_000.5)

    @Test func lockRecordRoundTrips() throws {
        let record = RotationLockRecord(
            lock: RotationLock(owner: "host/42/ab\"cd", expiresAt: Self.date),
            released: true
        )
        #expect(RotationLockRecord(parsing: record.encoded()) == record)
        #expect(
            record.encoded().stringValue()
                == #"{"owner":"host/42/ab\"cd","expiresAt":1800000000500,"released":true}"#
        )
    }

    @Test(arguments: [
        RotationRecord(),
        RotationRecord(lastRotation: date),
        RotationRecord(
            lastRotation: date,
            retirement: RotationState.Retirement(versionID: "7", notBefore: date.addingTimeInterval(3600))
        ),
    ])
    func rotationRecordRoundTrips(_ record: RotationRecord) throws {
        #expect(RotationRecord(parsing: record.encoded()) == record)
    }

    @Test(arguments: ["", "[]", "not json", #"{"owner":"a"}"#, #"{"owner":1,"expiresAt":1,"released":false}"#])
    func malformedLockRecordsAreRefused(_ text: String) {
        #expect(RotationLockRecord(parsing: Secret(copying: text)) == nil)
    }

    @Test(arguments: ["[]", #"{"lastRotation":"yesterday"}"#, #"{"retirement":{"versionID":"1"}}"#])
    func malformedRotationRecordsAreRefused(_ text: String) {
        #expect(RotationRecord(parsing: Secret(copying: text)) == nil)
    }

    @Test func recordsLiveBesideTheSecret() {
        #expect(RotationLockRecord.path(for: .init("airflow/prod/db")).rawValue == "airflow/prod/db/.cfg-rotation-lock")
        #expect(RotationRecord.path(for: .init("airflow/prod/db")).rawValue == "airflow/prod/db/.cfg-rotation")
    }
}
