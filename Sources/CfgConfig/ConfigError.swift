/// An environment file that cannot be loaded: what is wrong, and where.
///
/// The message names fields, secret names and enum words, never a value from the file: a YAML file can hold a
/// secret by mistake, and error messages end up in CI logs. Equality compares `code` only, so tests assert the
/// kind of failure.
package struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The closed set of failure kinds.
    package enum Code: String, Sendable {
        /// The environment file does not exist or cannot be read.
        case fileNotFound
        /// The text is not valid YAML.
        case malformedYAML
        /// A field that the format does not define.
        case unknownField
        /// A required field is absent.
        case missingField
        /// A field has the wrong type or a value out of range.
        case invalidValue
        /// The same key, name or output path appears twice.
        case duplicate
        /// A name that refers to something not declared (a secret, a service).
        case unknownReference
        /// The file is over a limit: its size, or how deep its collections nest.
        case tooLarge
        /// A YAML feature environment files refuse: anchors and aliases.
        case unsupportedYAML
    }

    package var code: Code
    /// Where the problem is; nil when it concerns the whole file.
    package var position: ConfigPosition?
    /// One sentence: what is wrong and what to do next.
    package var message: String

    package init(_ code: Code, _ message: String, at position: ConfigPosition?) {
        self.code = code
        self.message = message
        self.position = position
    }

    /// `environments/dev.yaml:12:5: unknown field 'sevices' in the environment (expected one of: …)`.
    package var description: String {
        guard let position else { return message }
        return "\(position): \(message)"
    }

    package static func == (lhs: ConfigError, rhs: ConfigError) -> Bool { lhs.code == rhs.code }
}
