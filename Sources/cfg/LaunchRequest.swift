import ArgumentParser

/// `cfg exec`'s and `cfg run`'s request (the project, the service, the command), as ``ExecCommand`` and
/// ``RunCommand`` or ``QuickParse`` read it.
struct LaunchRequest: Equatable, Sendable {
    var project: ProjectPath
    var service: String?
    var arguments: [String]

    /// The request of `cfg NAME`, from its options before ENV and what it captured after ENV: cfg's own options
    /// written after ENV (`cfg exec prod --service scheduler -- airflow scheduler`) are taken off the front of the
    /// captured words, up to `--` or the first word that is not one of them, and win over those before ENV.
    init(project: ProjectPath, service: String?, captured: [String], for name: String) throws {
        var rest = captured[...]
        self.project = project
        self.service = service
        while let first = rest.first {
            if first == "--service" || first == "-C" {
                guard rest.count >= 2 else { throw ValidationError("\(first) needs a value.") }
                let value = rest[rest.index(after: rest.startIndex)]
                if first == "-C" { self.project.directory = value } else { self.service = value }
                rest = rest.dropFirst(2)
            } else if first.hasPrefix("--service=") {
                self.service = String(first.dropFirst("--service=".count))
                rest = rest.dropFirst()
            } else {
                break
            }
        }
        if rest.first == "--" { rest = rest.dropFirst() }
        arguments = Array(rest)
        guard !(arguments.first ?? "").isEmpty else {
            throw ValidationError("Name the command to run after `--`, e.g. `cfg \(name) prod -- airflow scheduler`.")
        }
    }
}
