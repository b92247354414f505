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
        // Old values are fingerprints even when not secret; new non-secret values are in clear.
        #expect(text.contains("~ A: fp:"))
        #expect(text.contains(" -> new\n"))
        #expect(text.contains("~ S: fp:"))
        #expect(text.contains("- GONE: fp:"))
        #expect(!text.contains("C"))
        Canary.assertAbsent(canaryOld, in: [text])
        Canary.assertAbsent(canaryNew, in: [text])
    }

    /// Defect 2 of issue 11: a setting that held a secret and now holds a literal printed the old secret.
    @Test func anOldSecretIsFingerprintedWhenTheSettingBecomesALiteral() {
        let canary = Canary.make()
        let output = RenderedOutput(kind: .env, path: "airflow.env", contents: "S=literal\n", secretKeys: [])
        let diff = OutputDiff.compare(output, existing: "S=\(canary)\n", fingerprint: SecretFingerprint())
        let text = diff.lines.joined(separator: "\n")
        #expect(text.contains("~ S: fp:"))
        #expect(text.hasSuffix(" -> literal"))
        Canary.assertAbsent(canary, in: [text])
    }

    /// A secret replaced by another, non-secret value: only the new value is shown in clear.
    @Test func anOldSecretIsFingerprintedWhenTheNewValueIsNotSecret() {
        let canary = Canary.make()
        let output = RenderedOutput(
            kind: .ecsTaskDefinition,
            path: "ecs/s.json",
            contents: #"{"containerDefinitions":[{"environment":[{"name":"A","value":"plain"}]}]}"#,
            secretKeys: []
        )
        let old = #"{"containerDefinitions":[{"environment":[{"name":"A","value":"\#(canary.prefix(23))"}]}]}"#
        let diff = OutputDiff.compare(output, existing: old, fingerprint: SecretFingerprint())
        let text = diff.lines.joined(separator: "\n")
        #expect(text.contains("~ environment.A: fp:"))
        #expect(text.hasSuffix(" -> plain"))
        Canary.assertAbsent(canary, in: [text])
    }

    /// Lines only in the old file, a whole old file replaced by an empty one, and an old file that no longer
    /// parses: every old value is a fingerprint.
    @Test(arguments: [OutputConfig.Kind.env, .dotenv, .file, .ecsTaskDefinition])
    func removedLinesAndWholeRemovedFilesAreFingerprinted(_ kind: OutputConfig.Kind) {
        let canary = Canary.make()
        let existing = "GONE=\(canary)\n\(canary)\n{\"broken\": \"\(canary)"
        let output = RenderedOutput(
            kind: kind,
            path: "x",
            contents: kind == .ecsTaskDefinition ? "{}" : "",
            secretKeys: []
        )
        let diff = OutputDiff.compare(output, existing: existing, fingerprint: SecretFingerprint())
        let text = diff.lines.joined(separator: "\n")
        #expect(!diff.changes.isEmpty)
        #expect(text.contains("fp:"))
        Canary.assertAbsent(canary, in: [text])
    }

    /// A new file: every key is added, secret ones as fingerprints.
    @Test func aNewFileIsReportedAsNewWithEveryKeyAdded() {
        let canary = Canary.make()
        let output = RenderedOutput(kind: .file, path: "x.py", contents: "X = 1\nY = \(canary)", secretKeys: ["line 2"])
        let fingerprint = SecretFingerprint()
        let diff = OutputDiff.compare(output, existing: nil, fingerprint: fingerprint)
        #expect(diff.status == .new)
        #expect(
            diff.lines == [
                "+ x.py (new file)", "    + line 1: X = 1", "    + line 2: \(fingerprint.fingerprint("Y = \(canary)"))",
            ]
        )
        Canary.assertAbsent(canary, in: diff.lines)
    }

    /// One line format: a sign and a name for files and keys.
    @Test func theLineFormatIsOneSignAndOneName() {
        let fingerprint = SecretFingerprint()
        let output = RenderedOutput(kind: .env, path: "a.env", contents: "A=2\nB=new\nC=same\n", secretKeys: [])
        let diff = OutputDiff.compare(output, existing: "A=1\nC=same\nD=gone\n", fingerprint: fingerprint)
        #expect(diff.status == .changed)
        #expect(
            diff.lines == [
                "~ a.env (changed)",
                "    ~ A: \(fingerprint.fingerprint("1")) -> 2",
                "    + B: new",
                "    - D: \(fingerprint.fingerprint("gone"))",
            ]
        )
        let same = OutputDiff.compare(output, existing: output.contents, fingerprint: fingerprint)
        #expect(same.status == .unchanged)
        #expect(same.lines == ["= a.env (unchanged)"])
    }

    @Test func taskDefinitionsAreComparedPerEnvironmentVariable() {
        let old = #"{"containerDefinitions":[{"environment":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}]}"#
        let new = #"{"containerDefinitions":[{"environment":[{"name":"B","value":"2"},{"name":"A","value":"3"}]}]}"#
        let output = RenderedOutput(kind: .ecsTaskDefinition, path: "ecs/s.json", contents: new, secretKeys: [])
        let fingerprint = SecretFingerprint()
        let diff = OutputDiff.compare(output, existing: old, fingerprint: fingerprint)
        #expect(diff.changes == [.changed(key: "environment.A", old: fingerprint.fingerprint("1"), new: "3")])
    }
}
