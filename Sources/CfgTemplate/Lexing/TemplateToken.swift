/// One lexical token inside `{{ … }}` or `{% … %}`.
struct TemplateToken: Sendable, Equatable {
    /// What the token is.
    enum Kind: Sendable, Equatable {
        /// An identifier, including keywords such as `and`, `if` or `true`.
        case name(String)
        /// A string literal with its escapes already decoded.
        case string(String)
        case integer(Int)
        case double(Double)
        /// An operator or punctuation: `.` `,` `(` `)` `[` `]` `{` `}` `:` `|` `~` `==` `!=` `<` `<=` `>` `>=`.
        case symbol(String)
        /// The closing delimiter of the tag.
        case end
        /// Stands in for text that did not lex (already reported), so that the tag is not reported twice.
        case invalid
    }

    var kind: Kind
    var position: SourcePosition

    /// The token as a user would recognise it in a message.
    var display: String {
        switch kind {
        case .name(let name): return "'\(name)'"
        case .string: return "a string"
        case .integer, .double: return "a number"
        case .symbol(let symbol): return "'\(symbol)'"
        case .end: return "the end of the tag"
        case .invalid: return "invalid text"
        }
    }
}
