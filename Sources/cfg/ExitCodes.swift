import ArgumentParser
import CfgEngine
import CfgProcess
import CfgRotate

/// The one place where failures become exit codes (documented in the README and `cfg --help`).
enum ExitCodes {
    static let usage: Int32 = 64
    static let configuration: Int32 = 65
    static let unresolved: Int32 = 66
    static let validation: Int32 = 67
    static let backend: Int32 = 69
    static let internalError: Int32 = 70
    static let operatingSystem: Int32 = 71
    static let output: Int32 = 73
    /// `cfg check`: an error was found, or a warning under `--strict` (the configuration class).
    static let checkFailed: Int32 = configuration
    /// A check-and-set lost to another writer (`cfg set`): run again (sysexits' EX_TEMPFAIL).
    static let conflict: Int32 = 75
    static let cannotRun: Int32 = 126
    static let notFound: Int32 = 127

    /// `cfg render --diff`: something would change (0: nothing would), like `diff` and
    /// `terraform plan -detailed-exitcode`.
    static let differences: Int32 = 1

    /// `cfg rotate`: how the run ended (0 nothing was due).
    static let rotated: Int32 = 2
    static let rolledBack: Int32 = 3
    static let needsAttention: Int32 = 4
    static let lockBusy: Int32 = 5

    static func code(for status: RotateReport.Status) -> Int32 {
        switch status {
        case .nothingDue: 0
        case .rotated: rotated
        case .rolledBack: rolledBack
        case .needsAttention: needsAttention
        case .lockBusy: lockBusy
        }
    }

    static func code(for error: EngineError) -> Int32 {
        switch error.code {
        case .configuration: configuration
        case .unresolved: unresolved
        case .validation: validation
        case .backend: backend
        case .output: output
        case .usage: usage
        case .conflict: conflict
        }
    }

    static func code(for error: ProcessError) -> Int32 {
        switch error.code {
        case .commandNotFound: notFound
        case .commandNotExecutable: cannotRun
        case .signalHandlers: operatingSystem
        case .internalFailure: internalError
        }
    }

    /// `cfg run` ends as its command did: with its status, or 128 + the signal that killed it.
    static func code(for exit: ChildExit) -> Int32 {
        exit.shellStatus
    }
}

/// Prints every problem of a failed run to stderr (one line each) and exits with its code.
func fail(_ error: EngineError) -> ExitCode {
    for problem in error.problems {
        Terminal.error(problem)
    }
    return ExitCode(ExitCodes.code(for: error))
}

/// Prints why the process layer failed to stderr and exits with its code.
func fail(_ error: ProcessError) -> ExitCode {
    Terminal.error(error.description)
    return ExitCode(ExitCodes.code(for: error))
}

/// A failure of either layer (what `cfg run`'s supervisor throws); anything else is an internal error.
func fail(_ error: any Error) -> ExitCode {
    switch error {
    case let error as EngineError: return fail(error)
    case let error as ProcessError: return fail(error)
    default:
        // Unreachable: the layers throw only their own error types. Only the type is named (no message, no value).
        Terminal.error("internal error: an unexpected \(type(of: error)).")
        return ExitCode(ExitCodes.internalError)
    }
}
