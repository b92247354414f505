/// A template path as written in the environment file, with where it was written.
package struct TemplateFile: Hashable, Sendable {
    /// Relative to the project directory (or absolute).
    package var path: String
    package var position: ConfigPosition

    package init(path: String, position: ConfigPosition) {
        self.path = path
        self.position = position
    }
}
