package import CfgBackend
package import CfgConfig
package import CfgRender
import CfgTemplate
package import Logging

/// The one pipeline behind `cfg render`, `check`, `exec`, `run` and `get`, and its front-ends.
///
/// Each front-end plans the templates its consumers need (``RenderPlan``); the pipeline parses each template once,
/// fetches every secret they use (and those secret files name) in one request, and evaluates each
/// (template, service) once (``RenderRun``); the consumers then take the texts: output files, each rendered in its
/// own format (``render()``), a service's settings (``settings(service:)``) and its secret files
/// (``settingsAndFiles(service:)``). Every problem of a run is collected; nothing is returned when there is one.
package struct RenderEngine: Sendable {
    package var environment: EnvironmentFile
    package var backend: any SecretBackend
    /// The process environment, for the template function `env()`.
    package var processEnvironment: [String: String]
    package var logger: Logger

    package init(
        environment: EnvironmentFile,
        backend: any SecretBackend,
        processEnvironment: [String: String],
        logger: Logger
    ) {
        self.environment = environment
        self.backend = backend
        self.processEnvironment = processEnvironment
        self.logger = logger
    }

    /// Renders every declared output, or those `selection` keeps (only their secrets are fetched).
    ///
    /// - Throws: `.usage` when the selection names an unknown service or path or selects nothing; every problem
    ///   of the selected outputs otherwise.
    package func render(_ selection: RenderSelection = .all) async throws(EngineError) -> [RenderedOutput] {
        try await render(selection, settings: .none).outputs
    }

    /// Renders like ``render(_:)`` and checks the Airflow settings of the env, dotenv and task-definition outputs
    /// with their resolved values (``RenderSettingsCheck``), reported with every other problem of the run.
    ///
    /// - Returns: the outputs and the findings that did not fail the run (warnings), each once with the outputs
    ///   it affects.
    /// - Parameter writer: when given, the outputs that rendered are verified against its tree (what
    ///   ``OutputWriter/verify(_:)`` finds) before the run ends, so that its problems come with the others.
    /// - Throws: every problem of the run, the settings errors of `mode` and the warnings included.
    package func render(
        _ selection: RenderSelection,
        settings mode: SettingsCheckMode,
        verifying writer: OutputWriter? = nil
    ) async throws(EngineError) -> (outputs: [RenderedOutput], warnings: [Finding]) {
        var all: [OutputJob] = []
        for output in environment.outputs {
            all += try output.kind.format.jobs(for: output, in: environment)
        }
        let jobs = try selection.select(all, in: environment)
        var plan = RenderPlan()
        for job in jobs {
            for template in job.templates { plan.evaluate(template, for: job.service?.name, feeding: job.path) }
        }
        var run = try await run(plan)
        // Every evaluation first, by template and service, so that their problems come out in that order.
        for evaluation in plan.evaluations.sorted() { _ = run.text(of: evaluation) }

        if mode != .none { checkSettings(jobs, mode: mode, run: &run) }

        let references = Self.deliveryReferences(secrets: run.secrets.values, references: run.secrets.references)
        var outputs: [RenderedOutput] = []
        for job in jobs {
            let texts = job.evaluations.compactMap { run.text(of: $0) }
            // A template that failed has its problems reported already.
            guard texts.count == job.templates.count else { continue }
            let settings = job.settings(from: &run)
            do {
                outputs.append(
                    try job.render(texts, settings: settings, environment: environment, references: references)
                )
            } catch let errors as RenderErrors {
                for error in errors.errors {
                    run.problems.add(
                        Finding(error, code: .validation),
                        line: error.description,
                        code: .validation,
                        in: [job.path]
                    )
                }
            } catch let error as RenderError {
                run.problems.add(
                    Finding(error, code: .validation),
                    line: error.description,
                    code: .validation,
                    in: [job.path]
                )
            } catch {
                run.problems.add(String(describing: error), code: .validation, in: [job.path])
            }
        }
        if let writer {
            do {
                try writer.verify(outputs)
            } catch {
                for finding in Finding.findings(from: error) {
                    run.problems.add(finding, line: finding.message, code: error.code)
                }
            }
        }
        try run.problems.throwIfAny()
        return (outputs.sorted { $0.path < $1.path }, run.problems.findings)
    }

    /// Checks the settings of every settings output's templates once, and the services of the selected outputs,
    /// adding each finding to the run's problems as `mode` says.
    private func checkSettings(_ jobs: [OutputJob], mode: SettingsCheckMode, run: inout RenderRun) {
        let check = RenderSettingsCheck(environment: environment, secrets: run.secrets.values)
        if mode == .check {
            if let version = environment.airflowVersion, SettingsCheck(airflowVersion: version) == nil {
                let finding = SettingsCheck.unsupportedVersion(version, label: environment.file)
                run.problems.add(
                    Finding(
                        severity: .error,
                        code: finding.code.rawValue,
                        file: environment.file,
                        message: finding.message
                    ),
                    line: "\(environment.file): error: \(finding.message)",
                    code: .configuration
                )
            }
            let services = Set(jobs.compactMap { $0.service?.name })
            for (finding, position) in RenderSettingsCheck.serviceFindings(environment, services: services) {
                add(
                    finding,
                    file: position.file,
                    line: position.line,
                    column: position.column,
                    blocks: true,
                    mode: mode,
                    to: &run,
                    in: []
                )
            }
        }
        var seen: Set<RenderPlan.Evaluation> = []
        for job in jobs where job.output.kind != .file {
            for evaluation in job.evaluations where seen.insert(evaluation).inserted {
                // A template that failed, or whose settings do not parse, has its problems reported already.
                guard case .success(let settings) = run.settings(of: evaluation) else { continue }
                let affected = run.plan.outputs[evaluation] ?? []
                for result in check.check(settings) {
                    let position = result.position
                    add(
                        result.finding,
                        file: position.file,
                        line: position.line,
                        column: position.column,
                        blocks: result.blocks,
                        mode: mode,
                        to: &run,
                        in: affected
                    )
                }
            }
        }
    }

    /// Adds a settings finding: an error when it is one and `mode` is `.check`, or when it blocks the write.
    private func add(
        _ finding: SettingsFinding,
        file: String,
        line: Int,
        column: Int,
        blocks: Bool,
        mode: SettingsCheckMode,
        to run: inout RenderRun,
        in outputs: Set<String>
    ) {
        let error = finding.severity == .error && (mode == .check || blocks)
        let severity: Finding.Severity = error ? .error : .warning
        let reported = Finding(
            severity: severity,
            code: finding.code.rawValue,
            file: file,
            line: line,
            column: column,
            message: finding.message
        )
        run.problems.add(
            reported,
            line: "\(file):\(line):\(column): \(severity.rawValue): \(finding.message)",
            code: .configuration,
            in: outputs
        )
    }

    /// The settings one service gets (nil: the environment-wide ones), resolved and merged, for `cfg get`.
    package func settings(service name: String?) async throws(EngineError) -> [Setting] {
        try await settingsAndFiles(service: name, withFiles: false).settings
    }

    /// The settings and the secret files one service gets (nil: the environment-wide ones), for `cfg exec` and
    /// `cfg run`: the secrets of both are fetched together, in one request to the backend.
    ///
    /// - Returns: the merged settings, and the files' contents in the order of
    ///   ``EnvironmentFile/files(service:)``.
    /// - Throws: every problem of both at once; `.unresolved` for a missing secret or key.
    package func settingsAndFiles(
        service name: String?
    ) async throws(EngineError) -> (settings: [Setting], files: [SecretFile]) {
        try await settingsAndFiles(service: name, withFiles: true)
    }

    /// Like ``settingsAndFiles(service:)`` for a process whose task definition sets the `carried` variables itself
    /// (``TaskDefinitionVariables``): those settings are left out of the result, and a secret is fetched only when
    /// a setting that is not carried, a secret file, or the templates' control flow needs it.
    ///
    /// - Returns: the merged settings that are not carried, and the files.
    package func settingsAndFiles(
        service name: String?,
        carried: Set<String>
    ) async throws(EngineError) -> (settings: [Setting], files: [SecretFile]) {
        try await settingsAndFiles(service: name, withFiles: true, carried: carried)
    }

    private func settingsAndFiles(
        service name: String?,
        withFiles: Bool,
        carried: Set<String>? = nil
    ) async throws(EngineError) -> (settings: [Setting], files: [SecretFile]) {
        let service = try name.map { (name) throws(EngineError) -> ServiceConfig in
            guard let service = environment.service(named: name) else {
                throw EngineError(.configuration, "\(environment.file): no service named '\(name)'")
            }
            return service
        }
        let declarations = withFiles ? environment.files(service: service?.name) : []
        var plan = RenderPlan()
        let settings = (environment.settings + (service?.settings ?? [])).map {
            plan.evaluate($0, for: service?.name)
        }
        var fileEvaluations: [RenderPlan.Evaluation] = []
        for declaration in declarations {
            switch declaration.source {
            case .template(let template): fileEvaluations.append(plan.evaluate(template, for: service?.name))
            case .secret(let secret, _): plan.fetch(secret: secret)
            }
        }
        var run: RenderRun
        if let carried {
            run = try await self.run(plan, carried: carried, settings: settings, files: fileEvaluations)
        } else {
            run = try await self.run(plan)
        }
        // Consumed in declaration order: settings files, then secret files, each problem where it arises.
        var parsed: [[Setting]] = []
        for evaluation in settings {
            guard let text = run.text(of: evaluation) else { continue }
            do {
                parsed.append(try SettingsParser.parse(text))
            } catch {
                run.problems.add("\(error)", code: .validation)
            }
        }
        let contents = fileContents(declarations, service: service?.name, run: &run)
        try run.problems.throwIfAny()
        let merged = SettingsSet.merge(parsed)
        return (carried.map { carried in merged.filter { !carried.contains($0.variable) } } ?? merged, contents)
    }

    /// `secrets[].valueFrom` strings for the secrets a backend can deliver itself: the whole secret, and each
    /// top-level key of a JSON secret (ECS's `ARN:json-key:version-stage:version-id` form).
    static func deliveryReferences(
        secrets: TemplateMap,
        references: [String: DeliveryReference]
    ) -> [SecretOrigin: String] {
        var result: [SecretOrigin: String] = [:]
        for (name, reference) in references {
            result[SecretOrigin(secret: name)] = reference.valueFrom()
            if case .map(let keys)? = secrets[name] {
                for entry in keys.entries where DeliveryReference.canAddress(jsonKey: entry.key) {
                    result[SecretOrigin(secret: name, key: entry.key)] = reference.valueFrom(jsonKey: entry.key)
                }
            }
        }
        return result
    }

    /// The variables templates see.
    ///
    /// - Parameter withheld: secrets deliberately not fetched (``TemplateContext/withheldSecrets``).
    func context(secrets: TemplateMap, service name: String?, withheld: Set<String> = []) -> TemplateContext {
        var environmentInfo: [(key: String, value: TemplateValue)] = [
            ("name", .string(environment.name)),
            ("backend", .string(environment.backend.kind)),
        ]
        environmentInfo.append(("airflow_version", environment.airflowVersion.map { .string($0) } ?? .null))
        // The major version, for templates that differ between Airflow 2 and 3 (default 3).
        let major = environment.airflowVersion?.split(separator: ".").first.flatMap { Int($0) } ?? 3
        environmentInfo.append(("airflow_major", .integer(major)))
        var serviceValue = TemplateValue.null
        if let name, let service = environment.service(named: name) {
            serviceValue = .map(
                TemplateMap([
                    ("name", .string(service.name)),
                    ("command", .list(service.command.map { .string($0) })),
                ])
            )
        }
        let values = TemplateMap(environment.values.map { ($0.key, TemplateValue($0.value)) })
        return TemplateContext(
            variables: [
                "secrets": .map(secrets),
                "values": .map(values),
                "environment": .map(TemplateMap(environmentInfo)),
                "service": serviceValue,
            ],
            environmentVariables: processEnvironment,
            withheldSecrets: withheld
        )
    }

    /// Which exit-code class a template diagnostic belongs to.
    static func code(for diagnostic: TemplateDiagnostic.Code) -> EngineError.Code {
        switch diagnostic {
        case .undefinedName, .missingKey, .unresolved: .unresolved
        default: .configuration
        }
    }
}
