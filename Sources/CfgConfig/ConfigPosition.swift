/// A position in an environment file (1-based line and column).
package struct ConfigPosition: Hashable, Sendable, CustomStringConvertible {
    package var file: String
    package var line: Int
    package var column: Int

    package init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`; control characters in the file's name (it comes from the command line) are escaped.
    package var description: String { "\(ConfigText.escaped(file)):\(line):\(column)" }
}
