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

        let references = Self.deliveryReferences(secrets: run.secrets.values, references: run.secrets.references)
        var outputs: [RenderedOutput] = []
        for job in jobs {
            let texts = job.evaluations.compactMap { run.text(of: $0) }
            // A template that failed has its problems reported already.
            guard texts.count == job.templates.count else { continue }
            do {
                outputs.append(try job.render(texts, environment: environment, references: references))
            } catch {
                run.problems.add(String(describing: error), code: .validation, in: [job.path])
            }
        }
        try run.problems.throwIfAny()
        return outputs.sorted { $0.path < $1.path }
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
