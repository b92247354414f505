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

    package init(kind: OutputConfig.Kind, path: String, contents: String, secretKeys: Set<String>) {
        self.kind = kind
        self.path = path
        self.contents = contents
        self.secretKeys = secretKeys
    }
}

extension RenderedOutput: CustomStringConvertible {
    /// Never the contents.
    package var description: String { "RenderedOutput(\(kind.rawValue), \(path))" }
}
