#if canImport(Glibc)
import Glibc
#endif

/// The one error type of CfgProcess: a command that could not be started, or a supervisor that could not run.
///
/// `code` is a closed set, which the executable maps to exit codes; equality compares `code` only, so tests assert
/// the kind of failure. The context is a program's name or path (from the command line, never a value of its
/// environment) and an `errno`; `description` is the line a user reads, led by the cfg command that failed.
package struct ProcessError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    package enum Code: String, Sendable, Hashable {
        /// The program was not found: no such file at the path given, or no executable of that name in `PATH`.
        case commandNotFound
        /// The program exists but cannot be run (no permission, not an executable format, too many arguments…).
        case commandNotExecutable
        /// The signal handlers the supervisor needs could not be installed.
        case signalHandlers
        /// The process layer was used in a way it cannot go on from (a bug in cfg, not in its input).
        case internalFailure
    }

    package let code: Code
    /// The program concerned, when there is one.
    package let program: String?
    /// The `errno` behind the failure, when there is one.
    package let systemErrorNumber: Int32?
    /// The line a user reads (without the leading `cfg: `).
    package let description: String

    package init(_ code: Code, _ description: String, program: String? = nil, systemErrorNumber: Int32? = nil) {
        self.code = code
        self.description = description
        self.program = program
        self.systemErrorNumber = systemErrorNumber
    }

    /// Why `program` could not be started by the cfg command `operation` (`exec`, `run`): not found when it was
    /// not located in `PATH` or `execve` said `ENOENT`, else it cannot be run.
    package static func startFailure(
        _ operation: String,
        program: String,
        located: Bool,
        errorNumber: Int32
    ) -> ProcessError {
        let reason = String(cString: strerror(errorNumber))
        if !located || errorNumber == ENOENT {
            return ProcessError(
                .commandNotFound,
                "\(operation): command '\(program)' not found (\(reason)); check PATH and the image.",
                program: program,
                systemErrorNumber: errorNumber
            )
        }
        return ProcessError(
            .commandNotExecutable,
            "\(operation): cannot run '\(program)': \(reason).",
            program: program,
            systemErrorNumber: errorNumber
        )
    }

    /// Equality on `code` only.
    package static func == (lhs: ProcessError, rhs: ProcessError) -> Bool { lhs.code == rhs.code }
}
