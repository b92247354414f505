/// A failure of a whole cfg operation, with every problem found (each a one-line, value-free message).
///
/// The executable maps `code` to an exit code in one place.
package struct EngineError: Error, Sendable, CustomStringConvertible {
    package enum Code: String, Sendable, Hashable {
        /// The environment file, a template's syntax, an unknown filter or function.
        case configuration
        /// An undefined name, a missing secret or a missing key inside a secret.
        case unresolved
        /// The backend is unreachable, refused authentication, or its data failed an integrity check.
        case backend
        /// An output failed validation (a newline in an env-block value, a path escaping the output directory…).
        case validation
        /// Writing an output failed.
        case output
        /// The command line asks for something impossible (a value in argv, `NAME` for a secret set key by key).
        case usage
        /// A check-and-set failed: another writer changed the secret between this run's read and its write.
        case conflict
    }

    package var code: Code
    /// One line per problem.
    package var problems: [String]
    /// The problems as findings with their positions as data, in the order of `problems`; empty when the error
    /// has only its lines (``Finding/findings(from:)`` then makes one finding per line).
    package var findings: [Finding]

    package init(_ code: Code, _ problems: [String], findings: [Finding] = []) {
        self.code = code
        self.problems = problems
        self.findings = findings
    }

    package init(_ code: Code, _ problem: String) {
        self.init(code, [problem])
    }

    package var description: String { problems.joined(separator: "\n") }
}

extension EngineError: Equatable {
    /// Equality on the code only, so tests assert the kind of failure.
    package static func == (lhs: EngineError, rhs: EngineError) -> Bool { lhs.code == rhs.code }
}
