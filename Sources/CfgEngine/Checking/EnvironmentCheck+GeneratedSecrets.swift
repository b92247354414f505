import CfgConfig
import CfgRender
import CfgTemplate

/// The offline check of generated passwords against Airflow's `$NAME`/`~` expansion.
///
/// A withheld secret is opaque, but a generated password's alphabet is declared (its `generate:` and any rotation
/// `generator:` for it). For each generated key whose alphabet can make an expandable value, the settings templates
/// are evaluated again with that key replaced by each of its ``ExpansionProbe`` texts (every other secret still
/// withheld), and only the expansion check runs, only on the settings that hold the probe: what the template does
/// to the value (`| urlencode`, a prefix, text around it) is taken into account. The probe reaches no other check
/// and no message.
extension EnvironmentCheck {
    /// A generated key and what stands for it.
    struct GeneratedKey {
        var secret: String
        /// Nil for a whole (non-JSON) secret.
        var key: String?
        /// Text before the generated value (`prefix:`).
        var prefix: String
        /// The fields that generate it, for the message.
        var generators: [String] = []
        var probes: [String] = []

        /// `secrets.NAME.KEY`, as templates write it.
        var name: String { key.map { "secrets.\(secret).\($0)" } ?? "secrets.\(secret)" }
    }

    /// Every generated key of `environment` whose generators can make a value Airflow may expand.
    static func expandableKeys(_ environment: EnvironmentFile) -> [GeneratedKey] {
        var result: [GeneratedKey] = []
        func add(_ secret: String, _ key: String?, prefix: String, spec: GeneratorSpec, field: String) {
            let probes = ExpansionProbe.probes(alphabet: ExpansionProbe.alphabet(of: spec))
            guard !probes.isEmpty else { return }
            let index =
                result.firstIndex { $0.secret == secret && $0.key == key }
                ?? {
                    result.append(GeneratedKey(secret: secret, key: key, prefix: prefix))
                    return result.count - 1
                }()
            if !result[index].generators.contains(field) { result[index].generators.append(field) }
            for probe in probes where !result[index].probes.contains(probe) { result[index].probes.append(probe) }
        }
        for secret in environment.secrets {
            switch secret.generation {
            case .whole(let spec)?:
                add(secret.name, nil, prefix: "", spec: spec, field: "secrets.\(secret.name).generate")
            case .keys(let keys)?:
                for key in keys {
                    guard case .generate(let spec) = key.source else { continue }
                    let field = "secrets.\(secret.name).keys.\(key.key).generate"
                    add(secret.name, key.key, prefix: key.prefix, spec: spec, field: field)
                }
            case nil:
                break
            }
        }
        for policy in environment.rotation {
            guard let secret = environment.secret(named: policy.secret) else { continue }
            var prefix = ""
            if case .keys(let keys)? = secret.generation {
                // Only a key the file declares has a place among the offline values.
                guard let key = policy.key, let declared = keys.first(where: { $0.key == key }) else { continue }
                prefix = declared.prefix
            } else if policy.key != nil {
                continue
            }
            add(
                policy.secret,
                policy.key,
                prefix: prefix,
                spec: policy.generator,
                field: "rotation.\(policy.secret).generator"
            )
        }
        return result
    }

    /// Adds an `expandable-secret` error for each setting that can hold an expandable generated password.
    func checkGeneratedSecrets(
        _ environment: EnvironmentFile,
        evaluations: [RenderPlan.Evaluation],
        plan: RenderPlan,
        templates: TemplateSet,
        engine: RenderEngine,
        into list: inout FindingList
    ) {
        guard let version = environment.airflowVersion, let check = SettingsCheck(airflowVersion: version) else {
            return
        }
        var unique: [RenderPlan.Evaluation] = []
        for evaluation in evaluations where templates[evaluation.template] != nil && !unique.contains(evaluation) {
            unique.append(evaluation)
        }
        for generated in Self.expandableKeys(environment) {
            // Each setting (by position) that can hold the value: its option, what can expand, and its outputs.
            var hits: [(position: SourcePosition, key: AirflowOptionKey, forms: [AirflowExpansion.Form])] = []
            var affected: [SourcePosition: Set<String>] = [:]
            for probe in generated.probes {
                var run = probeRun(generated, probe: probe, plan: plan, templates: templates, engine: engine)
                for evaluation in unique {
                    guard let text = run.text(of: evaluation), let settings = try? SettingsParser.parse(text) else {
                        continue
                    }
                    for setting in settings {
                        guard let key = CheckedSetting(setting)?.key else { continue }
                        let forms = Self.probedForms(setting.value)
                        guard !forms.isEmpty else { continue }
                        affected[setting.position, default: []].formUnion(plan.outputs[evaluation] ?? [])
                        if let index = hits.firstIndex(where: { $0.position == setting.position }) {
                            for form in forms where !hits[index].forms.contains(form) { hits[index].forms.append(form) }
                        } else {
                            hits.append((setting.position, key, forms))
                        }
                    }
                }
            }
            for hit in hits {
                let finding = check.expandableSecretFinding(
                    key: hit.key,
                    label: hit.position.description,
                    forms: [.variable, .bracedVariable, .home].filter(hit.forms.contains),
                    secret: generated.name,
                    generators: generated.generators
                )
                if let finding { list.add(Self.finding(finding, at: hit.position), in: affected[hit.position] ?? []) }
            }
        }
    }

    /// What Airflow may expand in `value` because of the probe: the forms of its text that the same text without
    /// the probe does not have. A withheld segment (empty in the text) and the probe's absence are read as a NUL,
    /// which no form contains.
    static func probedForms(_ value: RenderedText) -> [AirflowExpansion.Form] {
        let isProbe = { (segment: Segment) in segment.isSecret && segment.withheld.isEmpty }
        guard value.segments.contains(where: isProbe) else { return [] }
        let probed = value.segments.map { isProbe($0) ? $0.text : $0.withheld.isEmpty ? $0.text : "\0" }.joined()
        let without = value.segments.map { isProbe($0) || !$0.withheld.isEmpty ? "\0" : $0.text }.joined()
        let before = AirflowExpansion.forms(in: without)
        return AirflowExpansion.forms(in: probed).filter { !before.contains($0) }
    }

    /// A run with every secret withheld but `generated`, which is `probe` after its prefix.
    private func probeRun(
        _ generated: GeneratedKey,
        probe: String,
        plan: RenderPlan,
        templates: TemplateSet,
        engine: RenderEngine
    ) -> RenderRun {
        let environment = engine.environment
        let value = TemplateValue.string(
            generated.prefix + probe,
            secret: true,
            origin: SecretOrigin(secret: generated.secret, key: generated.key)
        )
        var entries: [(key: String, value: TemplateValue)] = []
        for secret in environment.secrets {
            if case .keys(let keys)? = secret.generation {
                let members = keys.map { key in
                    (
                        key: key.key,
                        value: secret.name == generated.secret && key.key == generated.key
                            ? value : TemplateValue.withheld(secret: secret.name)
                    )
                }
                entries.append((secret.name, .map(TemplateMap(members))))
            } else if secret.name == generated.secret, generated.key == nil {
                entries.append((secret.name, value))
            }
        }
        return Self.run(plan, templates: templates, engine: engine, known: entries)
    }
}
