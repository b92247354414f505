package import CfgSecure

/// One problem a command reports to scripts (`--format json`): how bad, which kind, where, and the sentence a user
/// reads. Never a value: the message is one of the value-free problem lines of ``EngineError``.
///
/// `file`, `line` and `column` are set only where the position is known as data. The problems of ``EngineError``
/// are lines of text today (a template's `file:line:column:` is the start of its line, not separate data), so the
/// findings made from one carry the message only and no position; nothing is parsed back out of the text.
package struct Finding: Sendable, Hashable {
    /// How bad a finding is.
    package enum Severity: String, Sendable, Hashable {
        /// The command failed because of it.
        case error
        /// Reported; the command did not fail because of it.
        case warning
    }

    package var severity: Severity
    /// The class of the problem (an ``EngineError/Code`` such as `unresolved`), which also decides the exit code.
    package var code: String
    package var file: String?
    package var line: Int?
    package var column: Int?
    /// One line, without a value.
    package var message: String

    package init(
        severity: Severity,
        code: String,
        file: String? = nil,
        line: Int? = nil,
        column: Int? = nil,
        message: String
    ) {
        self.severity = severity
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// One error finding per problem of `error`, in order, with its code and no position.
    package static func findings(from error: EngineError) -> [Finding] {
        error.problems.map { Finding(severity: .error, code: error.code.rawValue, message: $0) }
    }

    /// Writes the finding as a JSON object (absent positions as `null`).
    package func write(to writer: SecureJSONWriter) {
        writer.beginObject()
        writer.key("severity")
        writer.string(severity.rawValue)
        writer.key("code")
        writer.string(code)
        writer.key("file")
        if let file { writer.string(file) } else { writer.null() }
        writer.key("line")
        if let line { writer.number(line) } else { writer.null() }
        writer.key("column")
        if let column { writer.number(column) } else { writer.null() }
        writer.key("message")
        writer.string(message)
        writer.endObject()
    }
}
