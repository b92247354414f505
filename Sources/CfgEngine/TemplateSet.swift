package import CfgConfig
package import CfgTemplate
import Foundation

/// The parsed templates of one run, each file read and parsed once.
struct TemplateSet {
    private(set) var templates: [String: Template] = [:]

    /// Reads and parses every file; all syntax errors of all files are reported together.
    init(files: [TemplateFile], projectDirectory: String) throws(EngineError) {
        var problems: [String] = []
        for file in files where templates[file.path] == nil {
            let absolute = PathResolution.absolute(file.path, in: projectDirectory)
            guard let data = FileManager.default.contents(atPath: absolute),
                let source = String(data: data, encoding: .utf8)
            else {
                let exists = FileManager.default.fileExists(atPath: absolute)
                problems.append(
                    "\(file.position): template '\(file.path)' \(exists ? "is not readable UTF-8 text" : "does not exist")"
                )
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
