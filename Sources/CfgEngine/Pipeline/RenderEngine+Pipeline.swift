import CfgConfig
import CfgTemplate

extension RenderEngine {
    /// Runs a plan's first stages: parses each template once, then fetches, in one request to the backend, every
    /// secret the templates use and every secret the plan names directly.
    ///
    /// - Returns: the run that evaluates the templates for the plan's consumers.
    /// - Throws: every parse error at once (each once, with the number of outputs whose template it is in), or a
    ///   failure of the backend.
    func run(_ plan: RenderPlan) async throws(EngineError) -> RenderRun {
        let templates = try parse(plan)
        var names = templates.secretNames(in: plan.templates.map(\.path), declared: environment.secrets)
        names.formUnion(plan.secrets)
        let secrets = try await SecretResolver(environment: environment, backend: backend, logger: logger)
            .resolve(names: names)
        return RenderRun(plan: plan, templates: templates, secrets: secrets, engine: self)
    }

    /// Parses every planned template once; on failure each problem is reported once, with the number of outputs
    /// that use its template.
    func parse(_ plan: RenderPlan) throws(EngineError) -> TemplateSet {
        do {
            return try TemplateSet(files: plan.templates, projectDirectory: environment.projectDirectory)
        } catch {
            // Attribute each problem to its file (the error path only: the files are parsed again).
            var problems = ProblemList()
            var found: [(file: TemplateFile, problem: TemplateSet.Problem)] = []
            _ = TemplateSet(files: plan.templates, projectDirectory: environment.projectDirectory, problems: &found)
            for (file, problem) in found {
                let outputs = plan.outputs(using: file.path)
                switch problem {
                case .unreadable(let line): problems.add(line, code: .configuration, in: outputs)
                case .syntax(let diagnostic):
                    problems.add(
                        Finding(diagnostic, code: .configuration),
                        line: diagnostic.description,
                        code: .configuration,
                        in: outputs
                    )
                }
            }
            try problems.throwIfAny()
            throw error
        }
    }
}
