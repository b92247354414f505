import FoundationEssentials

/// Path helpers: relative paths in an environment file resolve against the project directory.
package enum PathResolution {
    package static func absolute(_ path: String, in directory: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] {
            return home + String(path.dropFirst(1))
        }
        return directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }
}
