package import CfgTemplate

/// A failure of a renderer: a closed `code`, a message made only of non-secret things, and where.
///
/// Messages name variables, keys, sections and paths, never a value. Equality compares `code` only, so
/// tests assert the kind of failure.
package struct RenderError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The kinds of rendering failure.
    package enum Code: String, Sendable, Hashable, CaseIterable {
        /// A settings line that is not a setting, a section header, a comment or blank; a bad name; a
        /// secret in a key; a setting before any section.
        case invalidSetting
        /// The same variable twice in one template.
        case duplicateKey
        /// A value the output format cannot carry (a newline or NUL).
        case invalidValue
        /// The task definition would be rejected by ECS (cpu/memory pair, missing image, no command to run).
        case invalidTaskDefinition
        /// The task definition is over one of ECS's documented limits: 65,536 bytes, or a family or container name
        /// of 1 to 255 letters, digits, `_` and `-`.
        case ecsLimit
        /// An output path that is absolute, empty or leaves the output directory.
        case pathEscapes
    }

    package var code: Code
    /// The sentence a user reads. Never contains a value.
    package var message: String
    /// Where in a template the problem is, when known.
    package var position: SourcePosition?
    /// The environment variable concerned, when known.
    package var variable: String?

    package init(_ code: Code, _ message: String, position: SourcePosition? = nil, variable: String? = nil) {
        self.code = code
        self.message = message
        self.position = position
        self.variable = variable
    }

    /// One line: `file:line:col: message` when the position is known, else the message.
    package var description: String {
        position.map { "\($0): \(message)" } ?? message
    }

    package static func == (lhs: RenderError, rhs: RenderError) -> Bool { lhs.code == rhs.code }
}

/// Every problem found in one settings template, reported together.
///
/// `SettingsParser` does not stop at the first problem: a user fixes a template in one pass.
package struct RenderErrors: Error, Sendable, CustomStringConvertible {
    /// At least one error, in source order.
    package var errors: [RenderError]

    package init(_ errors: [RenderError]) {
        self.errors = errors
    }

    /// One line per error.
    package var description: String { errors.map(\.description).joined(separator: "\n") }

    /// The codes, in order (for tests and exit-code mapping).
    package var codes: [RenderError.Code] { errors.map(\.code) }
}
