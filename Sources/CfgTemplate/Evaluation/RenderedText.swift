/// A position in a template source file: 1-based line and column (columns count Unicode scalars).
package struct SourcePosition: Hashable, Sendable, CustomStringConvertible {
    /// The template file as the user named it (e.g. `templates/airflow.cfg.tmpl`).
    package var file: String
    package var line: Int
    package var column: Int

    package init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    package var description: String { "\(file):\(line):\(column)" }
}

/// Where a secret value came from, kept only while the value is exactly what the backend returned.
///
/// A renderer uses it to deliver the value by reference (for example an ECS `secrets[].valueFrom`)
/// instead of in clear. Any filter or concatenation drops it.
package struct SecretOrigin: Hashable, Sendable, CustomStringConvertible {
    /// The environment's name for the secret (`db` in `secrets.db.password`).
    package var secret: String
    /// The key inside a JSON secret, or nil for the whole secret.
    package var key: String?

    package init(secret: String, key: String? = nil) {
        self.secret = secret
        self.key = key
    }

    package var description: String { key.map { "secrets.\(secret).\($0)" } ?? "secrets.\(secret)" }
}

/// One piece of rendered output: either template text or the value of one `{{ … }}` expression.
package struct Segment: Hashable, Sendable {
    package enum Kind: Hashable, Sendable {
        /// Text written literally in the template.
        case literal
        /// The value of an expression.
        case value
    }

    // The text may hold secret bytes; Swift strings cannot be zeroed (see SECURITY.md).
    package var text: String
    package var kind: Kind
    /// True when any part of the value came from a backend.
    package var isSecret: Bool
    /// Set only for a backend value that no filter or concatenation changed.
    package var origin: SecretOrigin?
    /// Where the literal text or the expression starts in the template.
    package var position: SourcePosition
    /// The withheld secrets (``TemplateContext/withheldSecrets``) the expression needed: its value is unknown and
    /// its text empty. Empty for every other segment.
    package var withheld: Set<String>

    package init(
        text: String,
        kind: Kind,
        isSecret: Bool = false,
        origin: SecretOrigin? = nil,
        position: SourcePosition,
        withheld: Set<String> = []
    ) {
        self.text = text
        self.kind = kind
        self.isSecret = isSecret
        self.origin = origin
        self.position = position
        self.withheld = withheld
    }

    /// Literal template text.
    package static func literal(_ text: String, at position: SourcePosition) -> Segment {
        Segment(text: text, kind: .literal, position: position)
    }
}

/// The output of a template: its text as a list of segments that remember which bytes are secret.
package struct RenderedText: Hashable, Sendable {
    package var segments: [Segment]
    /// Withheld secrets the evaluation needed outside an output of its own (a condition, a loop, a key of a
    /// container): the text may lack whole blocks. Empty unless the context withheld secrets.
    package var withheldUses: Set<String>

    package init(segments: [Segment] = [], withheldUses: Set<String> = []) {
        self.segments = segments
        self.withheldUses = withheldUses
    }

    /// Every withheld secret this text depends on: none means the text is complete.
    package var withheldSecrets: Set<String> {
        segments.reduce(into: withheldUses) { $0.formUnion($1.withheld) }
    }

    /// The whole text. It may hold secret bytes.
    package var text: String { segments.map(\.text).joined() }

    /// True when any byte of the text came from a backend.
    package var containsSecret: Bool { segments.contains { $0.isSecret } }

    /// The origin when the whole text is exactly one unmodified backend value, else nil.
    package var soleOrigin: SecretOrigin? {
        let nonEmpty = segments.filter { !$0.text.isEmpty }
        guard nonEmpty.count == 1, let only = nonEmpty.first, only.kind == .value else { return nil }
        return only.origin
    }
}

extension RenderedText: CustomStringConvertible, CustomDebugStringConvertible {
    /// Redacted when secret, so that string interpolation of a rendered text never leaks a value.
    package var description: String { containsSecret ? "<REDACTED>" : text }
    package var debugDescription: String { "RenderedText(\(description))" }
}
