/// One problem found while parsing or rendering a template, with its position in the source.
///
/// The message names references as written in the template (`secrets.db.pasword`) and never
/// contains a value.
package struct TemplateDiagnostic: Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    package enum Code: String, Sendable, Hashable {
        /// The source is not valid template syntax.
        case syntax
        /// A `{{`, `{%`, `{#` or a block has no matching end.
        case unclosedTag
        /// A filter name the language does not define.
        case unknownFilter
        /// A function name the language does not define.
        case unknownFunction
        /// A name (or environment variable) that is not defined.
        case undefinedName
        /// A map has no such key, or a list no such index.
        case missingKey
        /// A value exists but could not be resolved (for example a secret the backend did not return).
        case unresolved
        /// A value of the wrong kind for an operation.
        case typeError
        /// A filter or function argument that is not acceptable.
        case invalidArgument
        /// Expressions or blocks nested deeper than ``TemplateLimits`` allow.
        case tooDeep
        /// A template source, a string or a render's output larger than ``TemplateLimits`` allow.
        case tooLarge
        /// A render that needs more evaluation steps than ``TemplateLimits/maximumSteps``.
        case tooMuchWork
    }

    package var code: Code
    package var position: SourcePosition
    package var message: String

    package init(code: Code, position: SourcePosition, message: String) {
        self.code = code
        self.position = position
        self.message = message
    }

    /// `file:line:column: message`.
    package var description: String { "\(position): \(message)" }
}
