package import CfgConfig
import CfgRender
import CfgSuggestion
import CfgTemplate
package import Logging

/// `cfg check ENV`: validates an environment offline, with no backend, no store key and no network.
///
/// It loads the environment file, evaluates every output's and service's templates with every secret withheld
/// (a withheld secret stands for "a value from a secret"), checks each Airflow setting against the schema of the
/// environment's `airflow_version` (``SettingsCheck``), each service (``AirflowServiceCheck``), and the outputs
/// as `cfg render --check` does without writing. Every finding of the run is reported, each once.
package struct EnvironmentCheck: Sendable {
    /// The process environment, for the template function `env()`.
    package var processEnvironment: [String: String]
    package var logger: Logger

    package init(processEnvironment: [String: String], logger: Logger) {
        self.processEnvironment = processEnvironment
        self.logger = logger
    }

    /// Loads and checks the environment `reference` of the project at `projectDirectory`.
    package func check(_ reference: String, projectDirectory: String) async -> CheckReport {
        var problems: [ConfigError] = []
        guard
            let environment = EnvironmentFileLoader.load(
                reference,
                projectDirectory: projectDirectory,
                problems: &problems
            )
        else {
            let findings = problems.map(Finding.init(configuration:))
            return CheckReport(environment: reference, findings: findings)
        }
        return CheckReport(environment: environment.name, findings: await check(environment))
    }

    /// Every finding for a loaded environment, in order: services, templates, settings, outputs.
    package func check(_ environment: EnvironmentFile) async -> [Finding] {
        var list = FindingList()
        let major = environment.airflowVersion?.split(separator: ".").first.flatMap { Int($0) }
        for service in environment.services {
            let finding = AirflowServiceCheck.finding(
                name: service.name,
                command: service.command,
                airflowMajor: major ?? 3,
                label: service.position.description
            )
            if let finding { list.add(Self.finding(finding, at: service.position)) }
        }
        let engine = RenderEngine(
            environment: environment,
            backend: OfflineBackend(),
            processEnvironment: processEnvironment,
            logger: logger
        )
        var jobs: [OutputJob] = []
        do {
            for output in environment.outputs { jobs += try output.kind.format.jobs(for: output, in: environment) }
        } catch {
            list.add(error)
        }
        var plan = RenderPlan()
        var settingsEvaluations: [RenderPlan.Evaluation] = []
        for job in jobs {
            for template in job.templates {
                let evaluation = plan.evaluate(template, for: job.service?.name, feeding: job.path)
                if job.output.kind != .file { settingsEvaluations.append(evaluation) }
            }
        }
        for template in environment.settings { settingsEvaluations.append(plan.evaluate(template, for: nil)) }
        for service in environment.services {
            for template in service.settings { settingsEvaluations.append(plan.evaluate(template, for: service.name)) }
        }
        var parseProblems: [(file: TemplateFile, problem: TemplateSet.Problem)] = []
        let templates = TemplateSet(
            files: plan.templates,
            projectDirectory: environment.projectDirectory,
            problems: &parseProblems
        )
        for (file, problem) in parseProblems {
            let affected = plan.outputs(using: file.path)
            switch problem {
            case .unreadable(let line):
                list.add(
                    Finding(severity: .error, code: EngineError.Code.configuration.rawValue, message: line),
                    in: affected
                )
            case .syntax(let diagnostic):
                list.add(Self.finding(diagnostic, environment: environment), in: affected)
            }
        }
        var run = offlineRun(plan, templates: templates, engine: engine)
        // Templates that did not parse are reported above; the others are evaluated and checked.
        for evaluation in plan.evaluations.sorted() where templates[evaluation.template] != nil {
            _ = run.text(of: evaluation)
        }
        for (evaluation, diagnostic) in run.diagnostics {
            list.add(Self.finding(diagnostic, environment: environment), in: plan.outputs[evaluation] ?? [])
        }

        checkSettings(
            environment,
            evaluations: settingsEvaluations,
            plan: plan,
            templates: templates,
            run: &run,
            into: &list
        )
        checkGeneratedSecrets(
            environment,
            evaluations: settingsEvaluations,
            plan: plan,
            templates: templates,
            engine: engine,
            into: &list
        )
        checkOutputs(environment, jobs: jobs, run: &run, into: &list)
        return list.findings
    }

    /// A run of `plan` with every declared secret withheld: nothing is fetched. A secret whose file declares its
    /// keys is a map of those keys, each withheld, so that a reference to a key it does not declare is found.
    private func offlineRun(_ plan: RenderPlan, templates: TemplateSet, engine: RenderEngine) -> RenderRun {
        var entries: [(key: String, value: TemplateValue)] = []
        for secret in engine.environment.secrets {
            guard case .keys(let keys)? = secret.generation else { continue }
            let withheld = keys.map { (key: $0.key, value: TemplateValue.withheld(secret: secret.name)) }
            entries.append((secret.name, .map(TemplateMap(withheld))))
        }
        return Self.run(plan, templates: templates, engine: engine, known: entries)
    }

    /// A run of `plan` that fetches nothing: the secrets are `known` (maps of declared keys, or probes), every other
    /// declared secret is withheld.
    static func run(
        _ plan: RenderPlan,
        templates: TemplateSet,
        engine: RenderEngine,
        known entries: [(key: String, value: TemplateValue)]
    ) -> RenderRun {
        let names = Set(engine.environment.secrets.map(\.name))
        let known = SecretResolver.Resolution(
            values: TemplateMap(entries),
            references: [:],
            payloads: [:],
            documents: [:]
        )
        return RenderRun(
            plan: plan,
            templates: templates,
            secrets: known.withholding(names),
            engine: engine,
            withheld: names
        )
    }

    /// Checks each settings text once against Airflow's schema.
    private func checkSettings(
        _ environment: EnvironmentFile,
        evaluations: [RenderPlan.Evaluation],
        plan: RenderPlan,
        templates: TemplateSet,
        run: inout RenderRun,
        into list: inout FindingList
    ) {
        guard let version = environment.airflowVersion else {
            list.add(
                Finding(
                    severity: .warning,
                    code: "no-airflow-version",
                    file: environment.file,
                    message: "no airflow_version: the settings are not checked against Airflow's schema."
                )
            )
            return
        }
        guard let check = SettingsCheck(airflowVersion: version) else {
            let finding = SettingsCheck.unsupportedVersion(version, label: environment.file)
            list.add(
                Finding(severity: .error, code: finding.code.rawValue, file: environment.file, message: finding.message)
            )
            return
        }
        var seen: Set<RenderPlan.Evaluation> = []
        for evaluation in evaluations where seen.insert(evaluation).inserted {
            guard templates[evaluation.template] != nil, let parsed = run.settings(of: evaluation) else { continue }
            let affected = plan.outputs[evaluation] ?? []
            let settings: [Setting]
            do {
                settings = try parsed.get()
            } catch {
                for line in "\(error)".split(separator: "\n") {
                    list.add(Finding(severity: .error, code: "validation", message: String(line)), in: affected)
                }
                continue
            }
            for setting in settings {
                guard let checked = CheckedSetting(setting) else {
                    let segments = setting.value.segments
                    let literal = segments.allSatisfy { $0.kind == .literal } ? setting.value.text : nil
                    let label = setting.position.description
                    for finding in AirflowVariableCheck.check(
                        variable: setting.variable,
                        literal: literal,
                        label: label
                    ) {
                        list.add(Self.finding(finding, at: setting.position), in: affected)
                    }
                    continue
                }
                for finding in check.check(checked) {
                    list.add(Self.finding(finding, at: setting.position), in: affected)
                }
            }
        }
    }

    /// Renders each output whose templates evaluated (withheld secrets stay empty) and verifies the set as
    /// `cfg render --check` does, without writing.
    private func checkOutputs(
        _ environment: EnvironmentFile,
        jobs: [OutputJob],
        run: inout RenderRun,
        into list: inout FindingList
    ) {
        var outputs: [RenderedOutput] = []
        for job in jobs {
            let texts = job.evaluations.compactMap { run.text(of: $0) }
            guard texts.count == job.templates.count else { continue }
            let settings = job.settings(from: &run)
            do {
                outputs.append(try job.render(texts, settings: settings, environment: environment, references: [:]))
            } catch {
                // Over an ECS limit: counted without the values of secrets, which the check does not have.
                let code = (error as? RenderError)?.code == .ecsLimit ? "ecs-limit" : "validation"
                for line in "\(error)".split(separator: "\n") {
                    list.add(Finding(severity: .error, code: code, message: String(line)), in: [job.path])
                }
            }
        }
        let writer = OutputWriter(root: environment.projectDirectory, components: ["out", environment.name])
        do {
            try writer.verify(outputs)
        } catch {
            list.add(error)
        }
    }

    /// A template diagnostic, with its position as data and, for a missing secret, key or value, the closest
    /// declared name.
    static func finding(_ diagnostic: TemplateDiagnostic, environment: EnvironmentFile) -> Finding {
        var message = diagnostic.message
        if let suggestion = suggestion(for: diagnostic, environment: environment) {
            message += " (did you mean '\(suggestion)'?)"
        }
        return Finding(
            severity: .error,
            code: RenderEngine.code(for: diagnostic.code).rawValue,
            file: diagnostic.position.file,
            line: diagnostic.position.line,
            column: diagnostic.position.column,
            message: message
        )
    }

    /// The closest declared name for a missing key of `secrets`, of a secret whose keys the file declares, or of
    /// `values`, read from the evaluator's closed message form `… 'BASE' has no key 'KEY'`.
    static func suggestion(for diagnostic: TemplateDiagnostic, environment: EnvironmentFile) -> String? {
        let marker = "' has no key '"
        guard diagnostic.code == .missingKey, diagnostic.message.hasSuffix("'"),
            let range = diagnostic.message.dropLast().firstRange(of: marker)
        else { return nil }
        let key = String(diagnostic.message.dropLast()[range.upperBound...])
        guard let base = diagnostic.message[..<range.lowerBound].split(separator: "'").last.map(String.init) else {
            return nil
        }
        var known: [String] = []
        if base == "secrets" {
            known = environment.secrets.map(\.name)
        } else if base == "values" {
            known = environment.values.map(\.key)
        } else if base.hasPrefix("secrets."), let secret = environment.secret(named: String(base.dropFirst(8))),
            case .keys(let keys)? = secret.generation
        {
            known = keys.map(\.key)
        }
        return Suggestion.closest(to: key, among: known).map { "\(base).\($0)" }
    }

    /// A ``SettingsFinding`` at a template position.
    static func finding(_ finding: SettingsFinding, at position: SourcePosition) -> Finding {
        Self.finding(finding, file: position.file, line: position.line, column: position.column)
    }

    /// A ``SettingsFinding`` at a position in the environment file.
    static func finding(_ finding: SettingsFinding, at position: ConfigPosition) -> Finding {
        Self.finding(finding, file: position.file, line: position.line, column: position.column)
    }

    private static func finding(_ finding: SettingsFinding, file: String, line: Int, column: Int) -> Finding {
        Finding(
            severity: finding.severity == .error ? .error : .warning,
            code: finding.code.rawValue,
            file: file,
            line: line,
            column: column,
            message: finding.message
        )
    }
}
