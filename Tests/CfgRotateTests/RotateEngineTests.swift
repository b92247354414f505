import CfgBackend
import CfgConfig
import CfgEngine
import CfgRotate
import CfgRotation
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

/// `cfg rotate` over a real local store: store-only rotations, `--due`, `--status`, `--dry-run`, the report.
struct RotateEngineTests {
    @Test func aFernetRotationPrependsANewKeyAndKeepsTheOldOne() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RotateFixture.make(in: directory)
            let before = try await fixture.value("airflow/test/fernet", key: "fernet_key")
            let report = try await fixture.engine().run(names: ["fernet"], kind: .rotate(.now))
            #expect(report.status == .rotated)
            #expect(report.entries.map(\.result) == [.rotated])
            let after = try await fixture.value("airflow/test/fernet", key: "fernet_key")
            let keys = after.split(separator: ",").map(String.init)
            #expect(keys.count == 2 && keys[1] == before && keys[0] != before && keys[0].count == 44)
            // Again: three keys, newest first, nothing dropped without a confirmation.
            _ = try await fixture.engine().run(names: ["fernet"], kind: .rotate(.now))
            let third = try await fixture.value("airflow/test/fernet", key: "fernet_key")
            #expect(third.split(separator: ",").count == 3 && third.hasSuffix("," + after))
        }
    }

    @Test func aKeyKeepsItsPrefixAndTheOtherKeysStayAsTheyWere() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RotateFixture.make(in: directory)
            let before = try await fixture.value("airflow/test/flower")
            _ = try await fixture.engine().run(names: ["flower"], kind: .rotate(.now))
            let after = try await fixture.value("airflow/test/flower")
            let auth = try await fixture.value("airflow/test/flower", key: "basic_auth")
            #expect(auth.hasPrefix("flower:") && auth.count == 27 && !before.contains(auth))
            #expect(after.contains("\"port\":5555"))
        }
    }

    @Test func dueRotatesOnlyWhatIsOlderThanItsPeriod() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RotateFixture.make(in: directory)
            let fresh = try await fixture.engine().run(names: [], kind: .rotate(.ifDue))
            #expect(fresh.status == .nothingDue && fresh.entries.allSatisfy { $0.result == .nothingDue })
            // Eight days later only the weekly policy is due.
            let later = Date().addingTimeInterval(8 * 86_400)
            let report = try await fixture.engine(now: { later }).run(names: [], kind: .rotate(.ifDue))
            #expect(report.entries.map(\.result) == [.nothingDue, .nothingDue, .rotated])
            #expect(report.status == .rotated)
        }
    }

    @Test func statusAndDryRunChangeNothing() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RotateFixture.make(in: directory)
            let before = try fixture.storeBytes()
            let status = try await fixture.engine().run(names: [], kind: .status)
            #expect(status.entries.count == 3 && status.entries.allSatisfy { $0.nextDue != nil })
            let later = Date().addingTimeInterval(8 * 86_400)
            let plan = try await fixture.engine(now: { later }).run(names: [], kind: .dryRun(.ifDue))
            #expect(plan.entries.map(\.detail).last == "would rotate")
            #expect(plan.entries.first?.detail.hasPrefix("nothing to do: next due") == true)
            #expect(try fixture.storeBytes() == before)
        }
    }

    @Test func unknownPoliciesAreAllReportedWithTheClosestName() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RotateFixture.make(in: directory)
            let error = await #expect(throws: EngineError.self) {
                try await fixture.engine().run(names: ["fernt", "smtp"], kind: .rotate(.now))
            }
            #expect(error?.problems.count == 2)
            #expect(error?.problems.first?.contains("did you mean 'fernet'?") == true)
            #expect(error?.problems.last?.contains("policies: fernet, flower, api") == true)
        }
    }

    @Test func theReportHoldsNoValue() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await RotateFixture.make(in: directory)
            let report = try await fixture.engine().run(names: ["fernet", "flower", "api"], kind: .rotate(.now))
            let text = report.json + report.lines.joined(separator: "\n")
            for (path, key) in [("airflow/test/fernet", "fernet_key"), ("airflow/test/flower", "basic_auth")] {
                let value = try await fixture.value(path, key: key)
                #expect(!text.contains(value))
                for part in value.split(separator: ",") { #expect(!text.contains(part)) }
            }
            #expect(!text.contains(try await fixture.value("airflow/test/api")))
            let json = try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any]
            #expect(json?["status"] as? String == "rotated")
            #expect((json?["policies"] as? [[String: Any]])?.count == 3)
        }
    }
}
