/// The error of the template module: every diagnostic found in one parse or one render.
package struct TemplateError: Error, Sendable, CustomStringConvertible {
    /// The problems, in source order of discovery; never empty.
    package var diagnostics: [TemplateDiagnostic]

    package init(diagnostics: [TemplateDiagnostic]) {
        self.diagnostics = diagnostics
    }

    /// One line per diagnostic.
    package var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
