/// A node of a parsed template body.
indirect enum TemplateNode: Sendable {
    /// One `if`/`elif` condition and the body it guards.
    struct Branch: Sendable {
        var condition: TemplateExpression
        var body: [TemplateNode]
    }

    /// A `{% for %}` block.
    struct Loop: Sendable {
        /// `k` in `for k, v in map`; nil for `for x in items`.
        var keyName: String?
        /// `x` in `for x in items`, `v` in `for k, v in map`.
        var valueName: String
        var iterable: TemplateExpression
        var body: [TemplateNode]
        /// The position of the `{%` of the `for` tag.
        var position: SourcePosition
    }

    /// Literal text and where it starts.
    case text(String, SourcePosition)
    /// `{{ expression }}` and the position of its `{{`.
    case output(TemplateExpression, SourcePosition)
    /// `if`/`elif` branches in order, then the `else` body if any.
    case conditional([Branch], otherwise: [TemplateNode]?)
    case loop(Loop)
}
