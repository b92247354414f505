package import CfgRender
package import CfgSecure
import Foundation

/// Writes rendered outputs into the output directory: every path checked first, then each file written
/// atomically with mode 0600, so a failed run leaves existing files untouched.
package struct OutputWriter: Sendable {
    /// The output directory (absolute).
    package var directory: String

    package init(directory: String) {
        self.directory = directory
    }

    /// The absolute path of every output, or a validation error for a path that escapes the directory.
    package func destinations(_ outputs: [RenderedOutput]) throws(EngineError) -> [String] {
        var problems: [String] = []
        var paths: [String] = []
        for output in outputs {
            do {
                paths.append(try OutputPath.resolve(output.path, in: directory))
            } catch {
                problems.append(error.description)
            }
        }
        if !problems.isEmpty { throw EngineError(.validation, problems) }
        return paths
    }

    /// Writes every output.
    package func write(_ outputs: [RenderedOutput]) throws(EngineError) {
        let paths = try destinations(outputs)
        for (output, path) in zip(outputs, paths) {
            do {
                let parent = (path as NSString).deletingLastPathComponent
                try AtomicFile.createDirectory(parent, mode: 0o700)
                try AtomicFile.write(Array(output.contents.utf8), to: path, mode: 0o600)
            } catch {
                throw EngineError(.output, "\(path): could not write the output: \(error)")
            }
        }
    }
}
