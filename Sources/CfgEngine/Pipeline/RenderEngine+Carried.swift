import CfgConfig
import CfgRender
import CfgTemplate
import Logging

extension RenderEngine {
    /// A run for a process whose task definition sets the `carried` variables itself: it fetches only the secrets
    /// that something else needs.
    ///
    /// Secret files' secrets are fetched first. Every other secret the templates use starts withheld: the
    /// templates are evaluated, and a withheld secret is fetched when a setting that is not carried, a secret
    /// file's template, or a condition, loop or container value needs it; then the templates are evaluated again.
    /// Each round fetches at least one more secret, so the rounds end; the last one has nothing withheld that a
    /// consumer needs.
    ///
    /// - Parameters:
    ///   - settings: the evaluations whose texts are settings templates.
    ///   - files: the evaluations whose texts are secret files (needed whole).
    /// - Throws: parse errors of the templates, failures of the backend.
    func run(
        _ plan: RenderPlan,
        carried: Set<String>,
        settings: [RenderPlan.Evaluation],
        files: [RenderPlan.Evaluation]
    ) async throws(EngineError) -> RenderRun {
        let templates = try parse(plan)
        let declared = Set(environment.secrets.map(\.name))
        let used = templates.secretNames(in: plan.templates.map(\.path), declared: environment.secrets)
            .union(plan.secrets).intersection(declared)
        let resolver = SecretResolver(environment: environment, backend: backend, logger: logger)
        var fetched = plan.secrets.intersection(declared)
        var resolution = try await resolver.resolve(names: fetched)
        while true {
            let withheld = used.subtracting(fetched)
            var run = RenderRun(
                plan: plan,
                templates: templates,
                secrets: resolution.withholding(withheld),
                engine: self,
                withheld: withheld
            )
            let needed = run.withheldSecretsNeeded(settings: settings, files: files, carried: carried)
                .intersection(withheld)
            guard !needed.isEmpty else { return run }
            logger.debug("fetching what the task definition does not carry", metadata: ["count": "\(needed.count)"])
            resolution.merge(try await resolver.resolve(names: needed))
            fetched.formUnion(needed)
        }
    }
}

extension RenderRun {
    /// The withheld secrets that something other than a carried setting needs: a setting that is not carried, a
    /// secret file's text, a condition, loop or container value, or a value that is in no setting at all.
    mutating func withheldSecretsNeeded(
        settings: [RenderPlan.Evaluation],
        files: [RenderPlan.Evaluation],
        carried: Set<String>
    ) -> Set<String> {
        var needed: Set<String> = []
        for evaluation in files {
            if let text = text(of: evaluation) { needed.formUnion(text.withheldSecrets) }
        }
        for evaluation in settings {
            guard let text = text(of: evaluation) else { continue }
            needed.formUnion(text.withheldUses)
            // A text that is not valid settings is reported by its consumer; what it needs is fetched meanwhile.
            guard let parsed = try? SettingsParser.parse(text) else {
                needed.formUnion(text.withheldSecrets)
                continue
            }
            // The outputs inside carried settings are the only withheld values nobody needs.
            var carriedOutputs: Set<SourcePosition> = []
            for setting in parsed {
                for segment in setting.value.segments where !segment.withheld.isEmpty {
                    if carried.contains(setting.variable) {
                        carriedOutputs.insert(segment.position)
                    } else {
                        needed.formUnion(segment.withheld)
                    }
                }
            }
            for segment in text.segments where !segment.withheld.isEmpty && !carriedOutputs.contains(segment.position) {
                needed.formUnion(segment.withheld)
            }
        }
        return needed
    }
}

extension SecretResolver.Resolution {
    /// The resolution with each of `names` in the templates' `secrets` map as a withheld value.
    func withholding(_ names: Set<String>) -> SecretResolver.Resolution {
        var copy = self
        for name in names.sorted() where values[name] == nil {
            copy.values.entries.append((key: name, value: .withheld(secret: name)))
        }
        return copy
    }

    /// Adds the secrets of another resolution (of other names).
    mutating func merge(_ other: SecretResolver.Resolution) {
        values.entries.append(contentsOf: other.values.entries)
        references.merge(other.references) { current, _ in current }
        payloads.merge(other.payloads) { current, _ in current }
        documents.merge(other.documents) { current, _ in current }
    }
}
