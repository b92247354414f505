/// One entry of `files:` (environment-wide or per service): a secret, or a rendered template, written before the
/// command starts into the secrets directory with mode 0400; its path goes into the variables of `env`.
package struct FileDeclaration: Sendable, Hashable {
    /// What the file holds.
    package enum Source: Sendable, Hashable {
        /// A declared secret byte for byte, or one top-level key of a JSON secret (`secret: NAME.KEY`).
        case secret(name: String, key: String?)
        /// A template rendered without escaping, like a `kind: file` output.
        case template(TemplateFile)
    }

    /// A plain file name: no `/`, not `.` or `..`, no control character.
    package var name: String
    package var source: Source
    /// The variables that get the file's absolute path.
    package var variables: [FileVariable]
    /// Where the entry starts.
    package var position: ConfigPosition
    /// Where `secret:` or `template:`'s value is written (resolution errors point here).
    package var sourcePosition: ConfigPosition

    package init(
        name: String,
        source: Source,
        variables: [FileVariable] = [],
        position: ConfigPosition,
        sourcePosition: ConfigPosition
    ) {
        self.name = name
        self.source = source
        self.variables = variables
        self.position = position
        self.sourcePosition = sourcePosition
    }
}
