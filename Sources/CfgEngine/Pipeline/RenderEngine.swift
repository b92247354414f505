package import CfgBackend
package import CfgConfig
package import CfgRender
package import CfgTemplate
import Foundation
package import Logging

/// Renders an environment's outputs: parse templates, fetch the secrets they use (once each), evaluate strictly,
/// render each output with its own escaping. Every problem of the run is collected; nothing is returned when
/// there is one.
package struct RenderEngine: Sendable {
    package var environment: Environment
    package var backend: any SecretBackend
    /// The process environment, for the template function `env()`.
    package var processEnvironment: [String: String]
    package var logger: Logger

    package init(
        environment: Environment,
        backend: any SecretBackend,
        processEnvironment: [String: String],
        logger: Logger
    ) {
        self.environment = environment
        self.backend = backend
        self.processEnvironment = processEnvironment
        self.logger = logger
    }

    /// One template evaluated for one service (nil: the environment-wide context).
    private struct Evaluation: Hashable {
        var template: String
        var service: String?
    }

    /// Renders every declared output.
    package func render() async throws(EngineError) -> [RenderedOutput] {
        let jobs = try outputJobs()
        // The outputs each evaluation feeds, so that a problem is reported once with the number of outputs it
        // affects, not once per output.
        var consumers: [Evaluation: Set<String>] = [:]
        for job in jobs {
            for template in job.templates {
                consumers[Evaluation(template: template.path, service: job.service?.name), default: []].insert(job.path)
            }
        }
        let templateFiles = Self.unique(jobs.flatMap(\.templates))
        let templates = try parse(templateFiles, consumers: consumers)
        let names = templates.secretNames(in: templateFiles.map(\.path), declared: environment.secrets)
        let resolved = try await SecretResolver(environment: environment, backend: backend, logger: logger)
            .resolve(names: names)

        var problems = ProblemList()
        var texts: [Evaluation: RenderedText] = [:]
        let ordered = consumers.keys.sorted { ($0.template, $0.service ?? "") < ($1.template, $1.service ?? "") }
        for evaluation in ordered {
            guard let template = templates[evaluation.template] else { continue }
            let context = self.context(secrets: resolved.secrets, service: evaluation.service)
            do {
                texts[evaluation] = try template.render(context)
            } catch {
                for diagnostic in error.diagnostics {
                    problems.add(
                        diagnostic.description,
                        code: Self.code(for: diagnostic.code),
                        in: consumers[evaluation] ?? []
                    )
                }
            }
        }

        let deliveryReferences = Self.deliveryReferences(secrets: resolved.secrets, references: resolved.references)

        var outputs: [RenderedOutput] = []
        for job in jobs {
            let pieces = job.templates.map { texts[Evaluation(template: $0.path, service: job.service?.name)] }
            guard pieces.allSatisfy({ $0 != nil }) else { continue }
            let rendered = pieces.compactMap { $0 }
            do {
                outputs.append(try job.render(rendered, environment: environment, references: deliveryReferences))
            } catch {
                problems.add(String(describing: error), code: .validation, in: [job.path])
            }
        }
        try problems.throwIfAny()
        return outputs.sorted { $0.path < $1.path }
    }

    /// The templates, each listed once (in first-use order).
    private static func unique(_ files: [TemplateFile]) -> [TemplateFile] {
        var seen: Set<String> = []
        return files.filter { seen.insert($0.path).inserted }
    }

    /// Parses every template once; on failure each problem is reported once, with the number of outputs that use
    /// its template.
    private func parse(
        _ files: [TemplateFile],
        consumers: [Evaluation: Set<String>]
    ) throws(EngineError) -> TemplateSet {
        do {
            return try TemplateSet(files: files, projectDirectory: environment.projectDirectory)
        } catch {
            // Attribute each problem to its file (the error path only: each file is parsed again on its own).
            var problems = ProblemList()
            for file in files {
                do {
                    _ = try TemplateSet(files: [file], projectDirectory: environment.projectDirectory)
                } catch let fileError {
                    let outputs = consumers.filter { $0.key.template == file.path }.values.reduce(into: Set()) {
                        $0.formUnion($1)
                    }
                    for line in fileError.problems { problems.add(line, code: fileError.code, in: outputs) }
                }
            }
            try problems.throwIfAny()
            throw error
        }
    }

    /// The settings one service gets (nil: the environment-wide ones), resolved and merged, for `cfg get`.
    package func settings(service name: String?) async throws(EngineError) -> [Setting] {
        try await resolve(service: name, withFiles: false).settings
    }

    /// The settings and the secret files one service gets (nil: the environment-wide ones), for `cfg exec` and
    /// `cfg run`: the secrets of both are fetched together, in one request to the backend.
    ///
    /// - Returns: the merged settings, and the files' contents in the order of
    ///   ``Environment/files(service:)``.
    /// - Throws: every problem of both at once; `.unresolved` for a missing secret or key.
    package func settingsAndFiles(
        service name: String?
    ) async throws(EngineError) -> (settings: [Setting], files: [SecretFile]) {
        try await resolve(service: name, withFiles: true)
    }

    private func resolve(
        service name: String?,
        withFiles: Bool
    ) async throws(EngineError) -> (settings: [Setting], files: [SecretFile]) {
        let service = try name.map { (name) throws(EngineError) -> ServiceConfig in
            guard let service = environment.service(named: name) else {
                throw EngineError(.configuration, "\(environment.file): no service named '\(name)'")
            }
            return service
        }
        let files = environment.settings + (service?.settings ?? [])
        let declarations = withFiles ? environment.files(service: service?.name) : []
        let fileTemplates = declarations.compactMap { declaration -> TemplateFile? in
            if case .template(let template) = declaration.source { return template }
            return nil
        }
        let templates = try TemplateSet(files: files + fileTemplates, projectDirectory: environment.projectDirectory)
        var names = templates.secretNames(in: (files + fileTemplates).map(\.path), declared: environment.secrets)
        for declaration in declarations {
            if case .secret(let secret, _) = declaration.source { names.insert(secret) }
        }
        let resolved = try await SecretResolver(environment: environment, backend: backend, logger: logger)
            .resolve(names: names)
        var problems = ProblemList()
        var parsed: [[Setting]] = []
        for file in files {
            guard let template = templates[file.path] else { continue }
            do {
                let text = try template.render(context(secrets: resolved.secrets, service: service?.name))
                parsed.append(try SettingsParser.parse(text))
            } catch let error as TemplateError {
                for diagnostic in error.diagnostics {
                    problems.add(diagnostic.description, code: Self.code(for: diagnostic.code))
                }
            } catch {
                problems.add("\(error)", code: .validation)
            }
        }
        let contents = fileContents(
            declarations,
            templates: templates,
            secrets: resolved.secrets,
            payloads: resolved.payloads,
            service: service?.name,
            problems: &problems
        )
        try problems.throwIfAny()
        return (SettingsSet.merge(parsed), contents)
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
    func context(secrets: TemplateMap, service name: String?) -> TemplateContext {
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
            environmentVariables: processEnvironment
        )
    }

    /// Which exit-code class a template diagnostic belongs to.
    static func code(for diagnostic: TemplateDiagnostic.Code) -> EngineError.Code {
        switch diagnostic {
        case .undefinedName, .missingKey, .unresolved: .unresolved
        default: .configuration
        }
    }

    /// The outputs to render, one job per file.
    private func outputJobs() throws(EngineError) -> [OutputJob] {
        var jobs: [OutputJob] = []
        for output in environment.outputs {
            let service = output.service.flatMap(environment.service(named:))
            switch output.kind {
            case .env, .dotenv:
                jobs.append(
                    OutputJob(
                        output: output,
                        path: output.path,
                        service: service,
                        templates: environment.settings + (service?.settings ?? [])
                    )
                )
            case .ecsTaskDefinition:
                let services = service.map { [$0] } ?? environment.services
                for service in services {
                    jobs.append(
                        OutputJob(
                            output: output,
                            path: output.path.replacingOccurrences(of: "{service}", with: service.name),
                            service: service,
                            templates: environment.settings + service.settings
                        )
                    )
                }
            case .file:
                guard let template = output.template else {
                    throw EngineError(.configuration, "\(output.position): a file output needs a template")
                }
                jobs.append(OutputJob(output: output, path: output.path, service: service, templates: [template]))
            }
        }
        return jobs
    }
}

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
        guard !order.isEmpty else { return }
        let order: [EngineError.Code] = [.configuration, .backend, .unresolved, .validation, .output]
        let code = order.first { codes.contains($0) } ?? .validation
        throw EngineError(code, lines)
    }
}
