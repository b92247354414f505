import ArgumentParser
import CfgEngine

/// The one place where failures become exit codes (documented in the README and `cfg --help`).
enum ExitCodes {
    static let usage: Int32 = 64
    static let configuration: Int32 = 65
    static let unresolved: Int32 = 66
    static let validation: Int32 = 67
    static let backend: Int32 = 69
    static let internalError: Int32 = 70
    static let output: Int32 = 73

    static func code(for error: EngineError) -> Int32 {
        switch error.code {
        case .configuration: configuration
        case .unresolved: unresolved
        case .validation: validation
        case .backend: backend
        case .output: output
        }
    }
}

/// Prints every problem of a failed run to stderr (one line each) and exits with its code.
func fail(_ error: EngineError) -> ExitCode {
    for problem in error.problems {
        Terminal.error(problem)
    }
    return ExitCode(ExitCodes.code(for: error))
}
