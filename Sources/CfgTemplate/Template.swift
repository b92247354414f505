/// A parsed template, ready to be checked for the secrets it needs and rendered.
///
/// See README.md for the language. Parsing and rendering are strict: every problem is a
/// diagnostic with a position, and all of them are reported together.
package struct Template: Sendable {
    /// The template file as the user named it; used in every position.
    package var file: String
    let nodes: [TemplateNode]

    init(file: String, nodes: [TemplateNode]) {
        self.file = file
        self.nodes = nodes
    }

    /// Parses template source.
    ///
    /// - Parameters:
    ///   - source: the template text.
    ///   - file: the file name to put in positions.
    /// - Throws: every syntax error found, in one `TemplateError`; a source longer than
    ///   ``TemplateLimits/maximumSourceBytes`` is one `tooLarge` error at the first scalar past it.
    package static func parse(_ source: String, file: String) throws(TemplateError) -> Template {
        if source.utf8.count > TemplateLimits.maximumSourceBytes {
            throw TemplateError(diagnostics: [tooLarge(source, file: file)])
        }
        var lexer = TemplateLexer(source: source, file: file)
        let pieces = lexer.lex()
        var parser = TemplateParser(pieces: pieces)
        let nodes = parser.parse()
        // Lexer and parser find problems in different passes; report them in source order.
        let diagnostics = (lexer.diagnostics + parser.diagnostics).enumerated()
            .sorted { lhs, rhs in
                let left = (lhs.element.position.line, lhs.element.position.column, lhs.offset)
                let right = (rhs.element.position.line, rhs.element.position.column, rhs.offset)
                return left < right
            }
            .map(\.element)
        guard diagnostics.isEmpty else { throw TemplateError(diagnostics: Self.reported(diagnostics)) }
        return Template(file: file, nodes: nodes)
    }

    /// The diagnostics as reported: the first ``TemplateLimits/maximumDiagnostics``, then one that counts
    /// the rest (at the first of them, with its code), so that a broken file cannot flood the output.
    static func reported(_ diagnostics: [TemplateDiagnostic]) -> [TemplateDiagnostic] {
        let limit = TemplateLimits.maximumDiagnostics
        guard diagnostics.count > limit else { return diagnostics }
        let first = diagnostics[limit]
        let hidden = diagnostics.count - limit
        let summary = TemplateDiagnostic(
            code: first.code,
            position: first.position,
            message:
                "\(hidden) more problem\(hidden == 1 ? "" : "s") in this template not shown; fix the ones above first"
        )
        return Array(diagnostics.prefix(limit)) + [summary]
    }

    /// The error for a source past ``TemplateLimits/maximumSourceBytes``, at the first scalar past it.
    private static func tooLarge(_ source: String, file: String) -> TemplateDiagnostic {
        var bytes = 0
        var line = 1
        var column = 1
        for scalar in source.unicodeScalars {
            bytes += UTF8.width(scalar)
            if bytes > TemplateLimits.maximumSourceBytes { break }
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return TemplateDiagnostic(
            code: .tooLarge,
            position: SourcePosition(file: file, line: line, column: column),
            message: "the template is larger than \(TemplateLimits.size(TemplateLimits.maximumSourceBytes)); "
                + "split it into several templates"
        )
    }

    /// Renders the template against a context.
    ///
    /// With ``TemplateContext/withheldSecrets``, the text says which of them it needed
    /// (``RenderedText/withheldSecrets``) instead of failing on them.
    ///
    /// - Throws: every evaluation error of the whole template, in one `TemplateError`.
    package func render(_ context: TemplateContext) throws(TemplateError) -> RenderedText {
        var evaluator = TemplateEvaluator(context: context)
        evaluator.render(nodes)
        guard evaluator.diagnostics.isEmpty else {
            throw TemplateError(diagnostics: Self.reported(evaluator.diagnostics))
        }
        return RenderedText(segments: evaluator.segments, withheldUses: evaluator.withheldUses)
    }
}
