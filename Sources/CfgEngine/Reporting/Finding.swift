package import CfgConfig
import CfgRender
package import CfgSecure
import CfgTemplate

/// One problem a command reports to scripts (`--format json`): how bad, which kind, where, and the sentence a user
/// reads. Never a value: the message is one of the value-free problem lines of ``EngineError``.
///
/// `file`, `line` and `column` are set only where the position is known as data (a template's syntax and
/// evaluation errors, settings findings, a settings line a renderer refused); a problem known only as a line of
/// text (a backend failure) carries the message only, and nothing is parsed back out of the text. A problem shared
/// by several outputs is one finding: its message ends with `(in N outputs)` and `outputs` names them.
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
    /// The output paths the problem affects, sorted (empty: not tied to an output, or not known).
    package var outputs: [String] = []

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

    /// The error finding of an environment-file problem: its position as data, the message without it.
    package init(configuration error: ConfigError) {
        self.init(
            severity: .error,
            code: EngineError.Code.configuration.rawValue,
            file: error.position?.file,
            line: error.position?.line,
            column: error.position?.column,
            message: error.position == nil ? error.description : error.message
        )
    }

    /// One error finding per problem of `error`, in order, with its code and no position.
    package static func findings(from error: EngineError) -> [Finding] {
        if !error.findings.isEmpty { return error.findings }
        return error.problems.map { Finding(severity: .error, code: error.code.rawValue, message: $0) }
    }

    /// An error finding for a template diagnostic, at its position, with the message without it.
    init(_ diagnostic: TemplateDiagnostic, code: EngineError.Code) {
        self.init(
            severity: .error,
            code: code.rawValue,
            file: diagnostic.position.file,
            line: diagnostic.position.line,
            column: diagnostic.position.column,
            message: diagnostic.message
        )
    }

    /// An error finding for a renderer's problem, at its position when it has one.
    init(_ error: RenderError, code: EngineError.Code) {
        self.init(
            severity: .error,
            code: code.rawValue,
            file: error.position?.file,
            line: error.position?.line,
            column: error.position?.column,
            message: error.position == nil ? error.description : error.message
        )
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
        writer.key("outputs")
        writer.beginArray()
        for output in outputs { writer.string(output) }
        writer.endArray()
        writer.endObject()
    }
}
