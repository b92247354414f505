#if canImport(Glibc)
import Glibc
#endif

/// A program to start, with its arguments and its whole environment: what `cfg exec` becomes (``exec(as:)``) and
/// what `cfg run` starts as its child (``ChildProcess/spawn(_:signalMask:as:)``).
package struct Command: Sendable {
    /// The program (`argv[0]`) and its arguments.
    package var arguments: [String]
    /// The command's environment. Swift Strings hold the values (secrets among them; not zeroable): they become C
    /// strings only for the call that hands them to the command.
    package var environment: [(name: String, value: String)]

    package init(arguments: [String], environment: [(name: String, value: String)]) {
        self.arguments = arguments
        self.environment = environment
    }

    /// The program as given (`argv[0]`).
    package var program: String { arguments.first ?? "" }

    /// The executable to start: ``program`` when it contains a `/`, else the first executable file of that name in
    /// the command's own `PATH`; nil when there is none.
    package var executablePath: String? {
        Self.locate(program, path: environment.first { $0.name == "PATH" }?.value)
    }

    /// The executable for `program`: itself when it contains a `/`, else the first executable file of that name
    /// in `path` (as `execvp` searches, but in the environment the command will have; an empty entry is the current
    /// directory, and without a `PATH` the default `/usr/local/bin:/usr/bin:/bin`).
    package static func locate(_ program: String, path: String?) -> String? {
        guard !program.isEmpty else { return nil }
        if program.contains("/") { return program }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(
            separator: ":",
            omittingEmptySubsequences: false
        ) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + program
            var status = stat()
            if stat(candidate, &status) == 0, status.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }

    /// Calls `body` with `argv` and `envp` as the C vectors `execve` takes (each ending in NULL), zeroed and freed
    /// afterwards (the environment may hold secrets).
    func withCVectors<Result>(
        _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>, UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result
    ) -> Result {
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.name)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp {
                if let pointer { explicit_bzero(pointer, strlen(pointer)) }
                free(pointer)
            }
        }
        return argv.withUnsafeBufferPointer { argv in
            envp.withUnsafeBufferPointer { envp in
                // Never nil: each array holds at least its terminating NULL.
                guard let argv = argv.baseAddress, let envp = envp.baseAddress else { preconditionFailure() }
                return body(argv, envp)
            }
        }
    }
}
