import CfgConfig

/// What one run of the pipeline evaluates, and for whom: the first stage of every command that needs values.
///
/// A front-end (``RenderEngine/render()``, ``RenderEngine/settingsAndFiles(service:)``) adds each template its
/// consumers need, for the service whose context evaluates it, naming the output it feeds (if any); and the
/// secrets that secret files name directly. The pipeline then parses each template once, fetches all the secrets
/// at once and evaluates each (template, service) once, however many consumers share it.
struct RenderPlan {
    /// One template evaluated for one service (nil: the environment-wide context); ordered by template, then
    /// service.
    struct Evaluation: Hashable, Comparable {
        var template: String
        var service: String?

        static func < (lhs: Evaluation, rhs: Evaluation) -> Bool {
            (lhs.template, lhs.service ?? "") < (rhs.template, rhs.service ?? "")
        }
    }

    /// Every template to parse, each once, in the order of first use (the order of their parse errors).
    private(set) var templates: [TemplateFile] = []
    /// Every evaluation, each once, in the order of first use.
    private(set) var evaluations: [Evaluation] = []
    /// The output files each evaluation feeds, so that a problem is reported once with the number of outputs it
    /// affects; empty for settings and secret files.
    private(set) var outputs: [Evaluation: Set<String>] = [:]
    /// The secrets that secret files name directly (`secret: NAME`), fetched with those the templates use.
    private(set) var secrets: Set<String> = []
    /// The paths in `templates`.
    private var planned: Set<String> = []

    /// Plans `template`, evaluated for `service`, feeding `output` when it is an output file's.
    @discardableResult
    mutating func evaluate(_ template: TemplateFile, for service: String?, feeding output: String? = nil) -> Evaluation
    {
        if planned.insert(template.path).inserted { templates.append(template) }
        let evaluation = Evaluation(template: template.path, service: service)
        if outputs[evaluation] == nil {
            evaluations.append(evaluation)
            outputs[evaluation] = []
        }
        if let output { outputs[evaluation, default: []].insert(output) }
        return evaluation
    }

    /// Plans the fetch of a secret that is used by name, not through a template.
    mutating func fetch(secret name: String) {
        secrets.insert(name)
    }

    /// The output files that use `template`, for its parse errors.
    func outputs(using template: String) -> Set<String> {
        outputs.filter { $0.key.template == template }.values.reduce(into: []) { $0.formUnion($1) }
    }
}
