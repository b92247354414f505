import Foundation

/// Writes to the terminal. Only names, paths and fingerprints pass through here, except for `cfg get` and
/// `cfg keygen`, whose purpose is to print one value to stdout.
enum Terminal {
    static func error(_ line: String) {
        FileHandle.standardError.write(Data(("cfg: " + line + "\n").utf8))
    }

    static func info(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func output(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
