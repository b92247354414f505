import CfgRender
import CfgTemplate

/// One run of the pipeline after its fetch: the plan's templates parsed, its secrets resolved, and each
/// (template, service) evaluated at most once, at its first use; every problem of the run collected in one list.
///
/// Consumers take texts in the order in which their problems are to be reported: an evaluation's problems are
/// added when it is first asked for, and never again.
struct RenderRun {
    let plan: RenderPlan
    let secrets: SecretResolver.Resolution
    /// Secrets deliberately not fetched: templates see them as withheld (``TemplateContext/withheldSecrets``).
    let withheld: Set<String>
    /// Every problem so far: evaluations add theirs, consumers add their own (a settings line, a missing key).
    var problems = ProblemList()
    /// The template diagnostics of each failed evaluation, as data (``problems`` holds them as lines).
    private(set) var diagnostics: [(evaluation: RenderPlan.Evaluation, diagnostic: TemplateDiagnostic)] = []
    private let templates: TemplateSet
    private let engine: RenderEngine
    /// The evaluations done so far: the text, or nil when the evaluation failed (its problems are in `problems`).
    private var texts: [RenderPlan.Evaluation: RenderedText?] = [:]
    /// The settings read from each evaluated text so far: a settings template feeds several outputs and the check,
    /// and reading its text again for each cost more than a render's outputs themselves.
    private var settings: [RenderPlan.Evaluation: Result<[Setting], RenderErrors>] = [:]

    init(
        plan: RenderPlan,
        templates: TemplateSet,
        secrets: SecretResolver.Resolution,
        engine: RenderEngine,
        withheld: Set<String> = []
    ) {
        self.plan = plan
        self.templates = templates
        self.secrets = secrets
        self.engine = engine
        self.withheld = withheld
    }

    /// The settings of a planned evaluation's text (``SettingsParser``), read once per run; nil if the evaluation
    /// failed.
    mutating func settings(of evaluation: RenderPlan.Evaluation) -> Result<[Setting], RenderErrors>? {
        if let done = settings[evaluation] { return done }
        guard let text = text(of: evaluation) else { return nil }
        let result = Result { () throws(RenderErrors) in try SettingsParser.parse(text) }
        settings[evaluation] = result
        return result
    }

    /// The text of a planned evaluation, evaluated now if it has not been; nil if it failed.
    mutating func text(of evaluation: RenderPlan.Evaluation) -> RenderedText? {
        if let done = texts[evaluation] { return done }
        var text: RenderedText?
        if let template = templates[evaluation.template] {
            do {
                text = try template.render(
                    engine.context(secrets: secrets.values, service: evaluation.service, withheld: withheld)
                )
            } catch {
                for diagnostic in error.diagnostics {
                    diagnostics.append((evaluation, diagnostic))
                    problems.add(
                        Finding(diagnostic, code: RenderEngine.code(for: diagnostic.code)),
                        line: diagnostic.description,
                        code: RenderEngine.code(for: diagnostic.code),
                        in: plan.outputs[evaluation] ?? []
                    )
                }
            }
        }
        texts[evaluation] = .some(text)
        return text
    }
}
