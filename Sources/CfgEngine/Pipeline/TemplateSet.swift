import CfgConfig
import CfgTemplate

/// The parsed templates of one run, each file read and parsed once.
struct TemplateSet {
    private(set) var templates: [String: Template] = [:]

    /// Reads and parses every file; all syntax errors of all files are reported together.
    init(files: [TemplateFile], projectDirectory: String) throws(EngineError) {
        var problems: [String] = []
        for file in files where templates[file.path] == nil {
            let absolute = PathResolution.absolute(file.path, in: projectDirectory)
            let source: String
            switch TemplateSource.text(atPath: absolute) {
            case .success(let text):
                source = text
            case .failure(let failure):
                problems.append("\(file.position): template '\(file.path)' \(failure.message)")
                continue
            }
            do {
                templates[file.path] = try Template.parse(source, file: file.path)
            } catch {
                problems.append(contentsOf: error.diagnostics.map(\.description))
            }
        }
        if !problems.isEmpty { throw EngineError(.configuration, problems) }
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
