import CfgConfig
import CfgSuggestion

/// Which outputs one `cfg render` produces: all, one service's (`--service NAME`), one path (`--output PATH`), or
/// both limits at once; and whether exactly one must remain (`--out -`, which writes one file to stdout).
///
/// The selection is applied to the jobs before anything is fetched, so a limited render fetches only the secrets
/// its outputs use. Every name that selects nothing is a usage error with the closest known name.
package struct RenderSelection: Sendable, Hashable {
    /// Only the outputs rendered for this service (`--service`).
    package var service: String?
    /// Only the output at this path (`--output`): a path as written (`ecs/scheduler.json`) or an output's declared
    /// path (`ecs/{service}.json`, every file it expands into).
    package var output: String?
    /// Exactly one output must be selected (`--out -`).
    package var single: Bool

    package init(service: String? = nil, output: String? = nil, single: Bool = false) {
        self.service = service
        self.output = output
        self.single = single
    }

    /// Every output.
    package static let all = RenderSelection()

    /// The jobs this selection keeps, in their order.
    ///
    /// - Throws: `.usage` for an unknown service, a service without outputs of its own, an unknown path, limits
    ///   that select nothing together, or, with ``single``, other than one output.
    func select(_ jobs: [OutputJob], in environment: EnvironmentFile) throws(EngineError) -> [OutputJob] {
        var selected = jobs
        if let service {
            guard environment.service(named: service) != nil else {
                let known = environment.services.map(\.name)
                throw EngineError(.usage, Self.unknown("service", service, known: known))
            }
            selected = selected.filter { $0.service?.name == service }
            guard !selected.isEmpty else {
                throw EngineError(
                    .usage,
                    "No output is rendered for service '\(service)' alone; choose an output with --output PATH "
                        + "(outputs: \(Self.list(jobs.map(\.path))))."
                )
            }
        }
        if let output {
            let matching = selected.filter { $0.path == output || $0.output.path == output }
            guard !matching.isEmpty else {
                let known = Array(Set(jobs.map(\.path) + jobs.map(\.output.path))).sorted()
                if let service, jobs.contains(where: { $0.path == output || $0.output.path == output }) {
                    throw EngineError(
                        .usage,
                        "Output '\(output)' is not rendered for service '\(service)' (its outputs: "
                            + "\(Self.list(selected.map(\.path))))."
                    )
                }
                throw EngineError(.usage, Self.unknown("output", output, known: known))
            }
            selected = matching
        }
        if single && selected.count != 1 {
            throw EngineError(
                .usage,
                "--out - writes one output to standard output, and \(selected.count) are selected "
                    + "(\(Self.list(selected.map(\.path)))); choose one with --output PATH."
            )
        }
        return selected
    }

    /// `No service named 'x' (did you mean 'y'?); services: a, b.`
    private static func unknown(_ thing: String, _ name: String, known: [String]) -> String {
        let hint = Suggestion.closest(to: name, among: known).map { " (did you mean '\($0)'?)" } ?? ""
        let plural = thing == "service" ? "services" : "outputs"
        return "No \(thing) named '\(name)'\(hint); \(plural): \(list(known))."
    }

    private static func list(_ names: [String]) -> String {
        names.isEmpty ? "none" : names.joined(separator: ", ")
    }
}
