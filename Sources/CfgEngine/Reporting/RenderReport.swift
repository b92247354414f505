package import CfgConfig
import CfgSecure

/// What `cfg render --check --format json` and `cfg render --diff --format json` print: the outputs (for `--diff`
/// with their changed, added and removed keys, values as the text form shows them) and the findings of a failed
/// run.
///
/// ```json
/// {"environment": "shop", "command": "diff", "status": "changed",
///  "outputs": [{"path": "airflow.env", "kind": "env", "service": null, "status": "changed",
///               "changes": [{"change": "changed", "key": "AIRFLOW__CORE__EXECUTOR",
///                            "old": "fp:…", "new": "CeleryExecutor"}]}],
///  "findings": []}
/// ```
/// `status` is `valid` or `warnings` (check), `changed` or `unchanged` (diff), or `failed` with the findings (the
/// warnings of any run are findings too); `outputs` is empty when the run failed. Values are as ``OutputDiff`` shows them: every old value and every secret new value is a
/// fingerprint.
package struct RenderReport: Sendable {
    /// Which question the run answered.
    package enum Command: String, Sendable {
        case check, diff
    }

    /// One output of the report.
    package struct Output: Sendable {
        package var path: String
        package var kind: OutputConfig.Kind
        package var service: String?
        /// `--diff` only.
        package var diff: OutputDiff?

        package init(path: String, kind: OutputConfig.Kind, service: String?, diff: OutputDiff? = nil) {
            self.path = path
            self.kind = kind
            self.service = service
            self.diff = diff
        }
    }

    /// The environment's name (as given on the command line when it could not be loaded).
    package var environment: String
    package var command: Command
    package var outputs: [Output]
    package var findings: [Finding]

    package init(environment: String, command: Command, outputs: [Output], findings: [Finding] = []) {
        self.environment = environment
        self.command = command
        self.outputs = outputs
        self.findings = findings
    }

    /// The report of a `--check` that passed.
    package init(environment: String, checked outputs: [RenderedOutput]) {
        self.init(
            environment: environment,
            command: .check,
            outputs: outputs.map { Output(path: $0.path, kind: $0.kind, service: $0.service) }
        )
    }

    /// The report of a `--diff` that ran.
    package init(environment: String, diffs: [OutputDiff]) {
        self.init(
            environment: environment,
            command: .diff,
            outputs: diffs.map { Output(path: $0.path, kind: $0.kind, service: $0.service, diff: $0) }
        )
    }

    /// The report of a run that failed.
    package init(environment: String, command: Command, error: EngineError) {
        self.init(environment: environment, command: command, outputs: [], findings: Finding.findings(from: error))
    }

    /// Whether some output would change (`--diff`: exit 1).
    package var hasChanges: Bool {
        outputs.contains { $0.diff.map { $0.status != .unchanged } ?? false }
    }

    /// `failed`, `valid`, `changed` or `unchanged`.
    package var status: String {
        if findings.contains(where: { $0.severity == .error }) { return "failed" }
        switch command {
        case .check: return findings.isEmpty ? "valid" : "warnings"
        case .diff: return hasChanges ? "changed" : "unchanged"
        }
    }

    /// The report as one JSON document and a newline.
    package var json: String {
        let writer = SecureJSONWriter()
        writer.beginObject()
        writer.key("environment")
        writer.string(environment)
        writer.key("command")
        writer.string(command.rawValue)
        writer.key("status")
        writer.string(status)
        writer.key("outputs")
        writer.beginArray()
        for output in outputs { Self.write(output, to: writer) }
        writer.endArray()
        writer.key("findings")
        writer.beginArray()
        for finding in findings { finding.write(to: writer) }
        writer.endArray()
        writer.endObject()
        return (writer.finish().stringValue() ?? "{}") + "\n"
    }

    private static func write(_ output: Output, to writer: SecureJSONWriter) {
        writer.beginObject()
        writer.key("path")
        writer.string(output.path)
        writer.key("kind")
        writer.string(output.kind.rawValue)
        writer.key("service")
        if let service = output.service { writer.string(service) } else { writer.null() }
        if let diff = output.diff {
            writer.key("status")
            writer.string(diff.status.rawValue)
            writer.key("changes")
            writer.beginArray()
            for change in diff.changes { write(change, to: writer) }
            writer.endArray()
        }
        writer.endObject()
    }

    private static func write(_ change: OutputDiff.Change, to writer: SecureJSONWriter) {
        let (kind, key, old, new): (String, String, String?, String?) =
            switch change {
            case .added(let key, let value): ("added", key, nil, value)
            case .removed(let key, let value): ("removed", key, value, nil)
            case .changed(let key, let old, let new): ("changed", key, old, new)
            }
        writer.beginObject()
        writer.key("change")
        writer.string(kind)
        writer.key("key")
        writer.string(key)
        writer.key("old")
        if let old { writer.string(old) } else { writer.null() }
        writer.key("new")
        if let new { writer.string(new) } else { writer.null() }
        writer.endObject()
    }
}
