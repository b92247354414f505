/// Problems collected over a run, with the most fundamental class deciding the exit code.
///
/// The same line added for several outputs is reported once, followed by how many outputs it affects
/// (`… (in 10 outputs)`).
struct ProblemList {
    private var order: [String] = []
    private var consumers: [String: Set<String>] = [:]
    private var codes: Set<EngineError.Code> = []

    /// The lines as they will be reported.
    var lines: [String] {
        order.map { line in
            let count = consumers[line]?.count ?? 0
            return count > 1 ? "\(line) (in \(count) outputs)" : line
        }
    }

    /// Adds a problem (each line of `line` separately), for the outputs `outputs` (empty: not tied to outputs).
    mutating func add(_ line: String, code: EngineError.Code, in outputs: Set<String> = []) {
        for part in line.split(separator: "\n").map(String.init) {
            if consumers[part] == nil { order.append(part) }
            consumers[part, default: []].formUnion(outputs)
        }
        codes.insert(code)
    }

    func throwIfAny() throws(EngineError) {
        if let error { throw error }
    }

    /// The problems as one error, nil when there is none.
    var error: EngineError? {
        guard !order.isEmpty else { return nil }
        let order: [EngineError.Code] = [.configuration, .backend, .unresolved, .validation, .output]
        let code = order.first { codes.contains($0) } ?? .validation
        return EngineError(code, lines)
    }
}
