/// A top-level piece of a template after lexing and whitespace control: text, an output tag or a
/// block tag. Comments are gone by then.
enum TemplatePiece: Sendable {
    /// Literal text and where it starts.
    case text(String, SourcePosition)
    /// The tokens of `{{ … }}` (ending with `.end`) and the position of the `{{`.
    case output([TemplateToken], SourcePosition)
    /// The tokens of `{% … %}` (ending with `.end`) and the position of the `{%`.
    case tag([TemplateToken], SourcePosition)
}
