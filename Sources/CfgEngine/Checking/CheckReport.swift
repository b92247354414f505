import CfgSecure

/// What `cfg check` found: every finding of the run, each once.
///
/// `--format json` prints `{"environment": NAME, "command": "check", "status": "failed"|"warnings"|"valid",
/// "findings": [...]}`, each finding in the shape of ``Finding`` (severity, code, file, line, column, message).
package struct CheckReport: Sendable {
    /// The environment's name (as given on the command line when it could not be loaded).
    package var environment: String
    package var findings: [Finding]

    package init(environment: String, findings: [Finding]) {
        self.environment = environment
        self.findings = findings
    }

    package var hasErrors: Bool { findings.contains { $0.severity == .error } }
    package var hasWarnings: Bool { findings.contains { $0.severity == .warning } }

    /// `failed` (an error), `warnings` (warnings only) or `valid`.
    package var status: String {
        if hasErrors { return "failed" }
        return hasWarnings ? "warnings" : "valid"
    }

    /// One line per finding: `FILE:LINE:COLUMN: severity: message`, or `severity: message` where the message
    /// starts with its own place (a template's position, a label) or there is none.
    package var lines: [String] {
        findings.map { finding in
            guard let file = finding.file else { return "\(finding.severity.rawValue): \(finding.message)" }
            let place = [file, finding.line.map(String.init), finding.column.map(String.init)]
                .compactMap { $0 }.joined(separator: ":")
            return "\(place): \(finding.severity.rawValue): \(finding.message)"
        }
    }

    /// The report as one JSON document and a newline.
    package var json: String {
        let writer = SecureJSONWriter()
        writer.beginObject()
        writer.key("environment")
        writer.string(environment)
        writer.key("command")
        writer.string("check")
        writer.key("status")
        writer.string(status)
        writer.key("findings")
        writer.beginArray()
        for finding in findings { finding.write(to: writer) }
        writer.endArray()
        writer.endObject()
        return (writer.finish().stringValue() ?? "{}") + "\n"
    }
}
