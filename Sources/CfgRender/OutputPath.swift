/// Joins an output's relative path to the output directory, refusing anything that could leave it.
///
/// Pure string logic: it does not look at the file system (a symbolic link inside the directory is the
/// writer's concern).
package enum OutputPath {
    /// The path of `relative` inside `directory`.
    ///
    /// `.` and empty segments are dropped (`./a//b` → `a/b`).
    ///
    /// - Throws: `RenderError.Code.pathEscapes` for an empty path, a NUL, an absolute path, a `..`
    ///   segment, or a path that names the directory itself.
    package static func resolve(_ relative: String, in directory: String) throws(RenderError) -> String {
        func fail(_ reason: String) -> RenderError {
            RenderError(
                .pathEscapes,
                "Output path \"\(printable(relative))\" \(reason); use a path relative to the output directory."
            )
        }
        if relative.isEmpty { throw RenderError(.pathEscapes, "An output path is empty.") }
        if relative.unicodeScalars.contains("\0") { throw fail("contains a NUL character") }
        if relative.hasPrefix("/") { throw fail("is absolute") }
        let segments = relative.split(separator: "/", omittingEmptySubsequences: true)
        if segments.contains("..") { throw fail("contains \"..\" and could leave the output directory") }
        let kept = segments.filter { $0 != "." }
        if kept.isEmpty { throw fail("names the output directory itself, not a file") }
        let joined = kept.joined(separator: "/")
        if directory.isEmpty { return joined }
        return directory.hasSuffix("/") ? directory + joined : directory + "/" + joined
    }

    /// The path with control characters shown as `?`, so an error message stays one line.
    private static func printable(_ path: String) -> String {
        String(String.UnicodeScalarView(path.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
    }
}
