import CfgConfig
import CfgEngine
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

/// The `--format json` reports of `cfg render --check` and `--diff`: their shape, parsed back, and never a value.
struct RenderReportTests {
    func parse(_ json: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func aDiffReportCarriesEveryChangeWithFingerprintsForSecrets() throws {
        let canaryOld = Canary.make()
        let canaryNew = Canary.make()
        let output = RenderedOutput(
            kind: .env,
            path: "airflow.env",
            contents: "A=new\nS=\(canaryNew)\nADDED=x\n",
            secretKeys: ["S"],
            service: "scheduler"
        )
        let diff = OutputDiff.compare(
            output,
            existing: "A=old\nS=\(canaryOld)\nGONE=\(canaryOld)\n",
            fingerprint: SecretFingerprint()
        )
        let report = RenderReport(environment: "prod", diffs: [diff])
        #expect(report.hasChanges)
        let json = report.json
        Canary.assertAbsent(canaryOld, in: [json])
        Canary.assertAbsent(canaryNew, in: [json])
        let object = try parse(json)
        #expect(object["environment"] as? String == "prod")
        #expect(object["command"] as? String == "diff")
        #expect(object["status"] as? String == "changed")
        #expect((object["findings"] as? [Any])?.isEmpty == true)
        let outputs = try #require(object["outputs"] as? [[String: Any]])
        let first = try #require(outputs.first)
        #expect(first["path"] as? String == "airflow.env")
        #expect(first["kind"] as? String == "env")
        #expect(first["service"] as? String == "scheduler")
        #expect(first["status"] as? String == "changed")
        let changes = try #require(first["changes"] as? [[String: Any]])
        let byKey = Dictionary(uniqueKeysWithValues: changes.map { ($0["key"] as? String ?? "", $0) })
        #expect(byKey["A"]?["change"] as? String == "changed")
        #expect((byKey["A"]?["old"] as? String)?.hasPrefix("fp:") == true)
        #expect(byKey["A"]?["new"] as? String == "new")
        #expect((byKey["S"]?["new"] as? String)?.hasPrefix("fp:") == true)
        #expect(byKey["ADDED"]?["change"] as? String == "added")
        #expect(byKey["ADDED"]?["old"] is NSNull)
        #expect(byKey["GONE"]?["change"] as? String == "removed")
        #expect(byKey["GONE"]?["new"] is NSNull)
    }

    @Test func aDiffWithoutChangesIsUnchanged() throws {
        let output = RenderedOutput(kind: .env, path: "a.env", contents: "A=1\n", secretKeys: [])
        let diff = OutputDiff.compare(output, existing: "A=1\n", fingerprint: SecretFingerprint())
        let report = RenderReport(environment: "e", diffs: [diff])
        #expect(!report.hasChanges)
        let object = try parse(report.json)
        #expect(object["status"] as? String == "unchanged")
        let outputs = try #require(object["outputs"] as? [[String: Any]])
        #expect(outputs.first?["service"] is NSNull)
        #expect((outputs.first?["changes"] as? [Any])?.isEmpty == true)
    }

    @Test func aCheckReportListsTheOutputs() throws {
        let outputs = [
            RenderedOutput(kind: .ecsTaskDefinition, path: "ecs/w.json", contents: "{}", secretKeys: [], service: "w")
        ]
        let object = try parse(RenderReport(environment: "e", checked: outputs).json)
        #expect(object["command"] as? String == "check")
        #expect(object["status"] as? String == "valid")
        let listed = try #require(object["outputs"] as? [[String: Any]])
        #expect(listed.count == 1)
        #expect(listed.first?["kind"] as? String == "ecs-task-definition")
        #expect(listed.first?["service"] as? String == "w")
        #expect(listed.first?["status"] == nil)
    }

    /// A failed run: one finding per problem, its code, and no position (EngineError carries none as data).
    @Test func aFailedRunBecomesFindings() throws {
        let error = EngineError(.unresolved, ["t.tmpl:1:4: missing key 'secrets.db.pasword'", "second"])
        let object = try parse(RenderReport(environment: "e", command: .diff, error: error).json)
        #expect(object["status"] as? String == "failed")
        #expect((object["outputs"] as? [Any])?.isEmpty == true)
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(findings.count == 2)
        let first = try #require(findings.first)
        #expect(first["severity"] as? String == "error")
        #expect(first["code"] as? String == "unresolved")
        #expect(first["file"] is NSNull)
        #expect(first["line"] is NSNull)
        #expect(first["column"] is NSNull)
        #expect(first["message"] as? String == "t.tmpl:1:4: missing key 'secrets.db.pasword'")
    }

    @Test func aFindingWithAPositionWritesIt() throws {
        let finding = Finding(severity: .warning, code: "c", file: "f", line: 3, column: 7, message: "m")
        let writer = SecureJSONWriter()
        finding.write(to: writer)
        let object = try parse(writer.finish().stringValue() ?? "")
        #expect(object["severity"] as? String == "warning")
        #expect(object["line"] as? Int == 3)
        #expect(object["column"] as? Int == 7)
        #expect(object["file"] as? String == "f")
    }
}
