@testable import CfgTemplate

/// Shared helpers for the template tests.
enum TemplateTestSupport {
    static let file = "templates/x.tmpl"

    /// Parses and renders, returning the text.
    static func render(
        _ source: String,
        _ variables: [String: TemplateValue] = [:],
        processEnvironment: [String: String] = [:]
    ) throws(TemplateError) -> RenderedText {
        let template = try Template.parse(source, file: file)
        return try template.render(TemplateContext(variables: variables, environmentVariables: processEnvironment))
    }

    /// The diagnostics of a parse or render that is expected to fail; empty when it succeeds.
    static func diagnostics(
        _ source: String,
        _ variables: [String: TemplateValue] = [:],
        processEnvironment: [String: String] = [:]
    ) -> [TemplateDiagnostic] {
        do {
            _ = try render(source, variables, processEnvironment: processEnvironment)
            return []
        } catch {
            return error.diagnostics
        }
    }

    /// `code@line:column` of each diagnostic, for compact assertions.
    static func summary(_ diagnostics: [TemplateDiagnostic]) -> [String] {
        diagnostics.map { "\($0.code.rawValue)@\($0.position.line):\($0.position.column)" }
    }

    static func map(_ entries: [(String, TemplateValue)]) -> TemplateValue {
        .map(TemplateMap(entries.map { (key: $0.0, value: $0.1) }))
    }
}
