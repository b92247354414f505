package import CfgConfig

/// One output file, rendered and validated, not yet written.
package struct RenderedOutput: Sendable {
    package var kind: OutputConfig.Kind
    /// Relative to the output directory.
    package var path: String
    /// The file's contents; may hold secret values.
    package var contents: String
    /// Diff keys (see `OutputDiff`) whose values are secret.
    package var secretKeys: Set<String>
    /// The service whose context rendered it (nil: the environment-wide settings).
    package var service: String?

    package init(
        kind: OutputConfig.Kind,
        path: String,
        contents: String,
        secretKeys: Set<String>,
        service: String? = nil
    ) {
        self.kind = kind
        self.path = path
        self.contents = contents
        self.secretKeys = secretKeys
        self.service = service
    }
}

extension RenderedOutput: CustomStringConvertible {
    /// Never the contents.
    package var description: String { "RenderedOutput(\(kind.rawValue), \(path))" }
}
