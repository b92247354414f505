import CfgConfig
import CfgTemplate

/// The parsed templates of one run, each file read and parsed once.
struct TemplateSet {
    private(set) var templates: [String: Template] = [:]

    /// What a file could not become: a file that cannot be read (a line with its position), or a syntax error.
    enum Problem {
        case unreadable(String)
        case syntax(TemplateDiagnostic)

        var line: String {
            switch self {
            case .unreadable(let line): line
            case .syntax(let diagnostic): diagnostic.description
            }
        }
    }

    /// Reads and parses every file; all syntax errors of all files are reported together.
    init(files: [TemplateFile], projectDirectory: String) throws(EngineError) {
        var problems: [(file: TemplateFile, problem: Problem)] = []
        self.init(files: files, projectDirectory: projectDirectory, problems: &problems)
        if !problems.isEmpty { throw EngineError(.configuration, problems.map(\.problem.line)) }
    }

    /// Reads and parses every file it can; the problems of the others are added to `problems`, by file.
    init(files: [TemplateFile], projectDirectory: String, problems: inout [(file: TemplateFile, problem: Problem)]) {
        for file in files where templates[file.path] == nil {
            let absolute = PathResolution.absolute(file.path, in: projectDirectory)
            let source: String
            switch TemplateSource.text(atPath: absolute) {
            case .success(let text):
                source = text
            case .failure(let failure):
                problems.append((file, .unreadable("\(file.position): template '\(file.path)' \(failure.message)")))
                continue
            }
            do {
                templates[file.path] = try Template.parse(source, file: file.path)
            } catch {
                problems.append(contentsOf: error.diagnostics.map { (file, .syntax($0)) })
            }
        }
    }

    subscript(path: String) -> Template? { templates[path] }

    /// The secret names the given templates use; all declared names when any template uses `secrets` whole.
    func secretNames(in paths: [String], declared: [SecretDeclaration]) -> Set<String> {
        var names: Set<String> = []
        for path in Set(paths) {
            guard let references = templates[path]?.secretReferences() else { continue }
            if references.usesAllSecrets { return Set(declared.map(\.name)) }
            names.formUnion(references.names)
        }
        return names
    }
}
