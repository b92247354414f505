/// A variable named in a file's `env`, with where it is written.
package struct FileVariable: Sendable, Hashable {
    package var name: String
    package var position: ConfigPosition

    package init(name: String, position: ConfigPosition) {
        self.name = name
        self.position = position
    }
}
