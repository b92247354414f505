/// The findings of one `cfg check` run, each once, in the order found: the same finding for several outputs is
/// kept once, its message ends with how many outputs it affects (`… (in 3 outputs)`) and its `outputs` names
/// them.
struct FindingList {
    private var order: [Finding] = []
    private var outputs: [Finding: Set<String>] = [:]

    /// Adds a finding for the outputs it affects (empty: not tied to an output).
    mutating func add(_ finding: Finding, in affected: Set<String> = []) {
        if outputs[finding] == nil { order.append(finding) }
        outputs[finding, default: []].formUnion(affected)
    }

    /// Adds each line of an engine error as an error finding without a position.
    mutating func add(_ error: EngineError, in affected: Set<String> = []) {
        for finding in Finding.findings(from: error) { add(finding, in: affected) }
    }

    /// The findings as reported.
    var findings: [Finding] {
        order.map { finding in
            let affected = outputs[finding] ?? []
            var counted = finding
            counted.outputs = affected.sorted()
            if affected.count > 1 { counted.message += " (in \(affected.count) outputs)" }
            return counted
        }
    }
}
