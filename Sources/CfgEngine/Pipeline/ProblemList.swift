/// Problems collected over a run, with the most fundamental class deciding the exit code.
///
/// Each problem is a line people read and a ``Finding`` scripts read (its position as data where the problem has
/// one). The same problem added for several outputs is reported once, followed by how many outputs it affects
/// (`… (in 10 outputs)`; the finding's ``Finding/outputs`` names them). A warning is reported with the errors but
/// does not fail the run.
struct ProblemList {
    private struct Entry {
        var finding: Finding
        var outputs: Set<String> = []
    }

    private var order: [String] = []
    private var entries: [String: Entry] = [:]
    private var codes: Set<EngineError.Code> = []

    /// The lines as they will be reported.
    var lines: [String] {
        order.map { line in
            let count = entries[line]?.outputs.count ?? 0
            return count > 1 ? "\(line) (in \(count) outputs)" : line
        }
    }

    /// The findings as they will be reported, in the order of ``lines``.
    var findings: [Finding] {
        order.compactMap { line in
            guard let entry = entries[line] else { return nil }
            var finding = entry.finding
            finding.outputs = entry.outputs.sorted()
            if entry.outputs.count > 1 { finding.message += " (in \(entry.outputs.count) outputs)" }
            return finding
        }
    }

    /// Whether an error (not only warnings) was added.
    var hasErrors: Bool { !codes.isEmpty }

    /// Adds a problem (each line of `line` separately), for the outputs `outputs` (empty: not tied to outputs).
    /// Its finding has the code's class and no position: the position, if any, is the start of the line.
    mutating func add(_ line: String, code: EngineError.Code, in outputs: Set<String> = []) {
        for part in line.split(separator: "\n").map(String.init) {
            add(Finding(severity: .error, code: code.rawValue, message: part), line: part, code: code, in: outputs)
        }
        codes.insert(code)
    }

    /// Adds a problem whose finding carries its position and code as data; `line` is what people read. An error
    /// finding fails the run with `code`'s class.
    mutating func add(_ finding: Finding, line: String, code: EngineError.Code, in outputs: Set<String> = []) {
        if entries[line] == nil {
            order.append(line)
            entries[line] = Entry(finding: finding)
        }
        entries[line]?.outputs.formUnion(outputs)
        if finding.severity == .error { codes.insert(code) }
    }

    func throwIfAny() throws(EngineError) {
        if let error { throw error }
    }

    /// The problems (warnings included) as one error, nil when there is no error.
    var error: EngineError? {
        guard hasErrors else { return nil }
        let order: [EngineError.Code] = [.configuration, .backend, .unresolved, .validation, .output]
        let code = order.first { codes.contains($0) } ?? .validation
        return EngineError(code, lines, findings: findings)
    }
}
