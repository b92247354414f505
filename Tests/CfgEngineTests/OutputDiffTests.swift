import CfgConfig
import CfgEngine
import CfgSecure
import CfgTestSupport
import Testing

struct OutputDiffTests {
    @Test func secretValuesAppearOnlyAsFingerprints() {
        let canaryOld = Canary.make()
        let canaryNew = Canary.make()
        let output = RenderedOutput(
            kind: .env,
            path: "airflow.env",
            contents: "A=new\nS=\(canaryNew)\nC=same\n",
            secretKeys: ["S"]
        )
        let diff = OutputDiff.compare(
            output,
            existing: "A=old\nS=\(canaryOld)\nC=same\nGONE=\(canaryOld)\n",
            fingerprint: SecretFingerprint()
        )
        let text = diff.lines.joined(separator: "\n")
        #expect(text.contains("~ A: old -> new"))
        #expect(text.contains("~ S: fp:"))
        #expect(text.contains("- GONE = fp:"))
        #expect(!text.contains("C"))
        Canary.assertAbsent(canaryOld, in: [text])
        Canary.assertAbsent(canaryNew, in: [text])
    }

    @Test func aNewFileIsReportedAsNew() {
        let output = RenderedOutput(kind: .file, path: "x.py", contents: "X = 1\n", secretKeys: [])
        let diff = OutputDiff.compare(output, existing: nil, fingerprint: SecretFingerprint())
        #expect(diff.lines == ["+ x.py (new file)"])
    }

    @Test func taskDefinitionsAreComparedPerEnvironmentVariable() {
        let old = #"{"containerDefinitions":[{"environment":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}]}"#
        let new = #"{"containerDefinitions":[{"environment":[{"name":"B","value":"2"},{"name":"A","value":"3"}]}]}"#
        let output = RenderedOutput(kind: .ecsTaskDefinition, path: "ecs/s.json", contents: new, secretKeys: [])
        let diff = OutputDiff.compare(output, existing: old, fingerprint: SecretFingerprint())
        #expect(diff.changes == [.changed(key: "environment.A", old: "1", new: "3")])
    }
}
