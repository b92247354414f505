import CfgTemplate

/// Builds a `RenderedText` as the template engine would, tracking line and column through the source.
///
/// `literal` text advances the position character by character; `expression` places a value segment at the
/// current position and advances past its `{{ source }}` text.
struct TemplateBuilder {
    private(set) var segments: [Segment] = []
    private var line = 1
    private var column = 1
    let file: String

    init(file: String = "templates/airflow.cfg") {
        self.file = file
    }

    var position: SourcePosition { SourcePosition(file: file, line: line, column: column) }

    var text: RenderedText { RenderedText(segments: segments) }

    @discardableResult
    mutating func literal(_ text: String) -> TemplateBuilder {
        segments.append(.literal(text, at: position))
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return self
    }

    @discardableResult
    mutating func expression(
        _ source: String,
        value: String,
        secret: Bool = false,
        origin: SecretOrigin? = nil
    ) -> TemplateBuilder {
        segments.append(Segment(text: value, kind: .value, isSecret: secret, origin: origin, position: position))
        column += "{{ \(source) }}".unicodeScalars.count
        return self
    }

    /// A whole template written literally.
    static func literal(_ text: String, file: String = "templates/airflow.cfg") -> RenderedText {
        var builder = TemplateBuilder(file: file)
        builder.literal(text)
        return builder.text
    }
}

/// A value that must never appear in any output other than the intended one.
enum Canary {
    static let secret = "CANARY-s3cr3t-7f1e9c"
}
