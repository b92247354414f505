import CfgSecure

/// Writes to the terminal. Only names, paths and fingerprints pass through here, except for `cfg get` and
/// `cfg keygen`, whose purpose is to print one value to stdout.
enum Terminal {
    static func error(_ line: String) {
        Descriptor.write(2, ("cfg: " + line + "\n").utf8)
    }

    static func info(_ line: String) {
        Descriptor.write(2, (line + "\n").utf8)
    }

    static func output(_ text: String) {
        Descriptor.write(1, text.utf8)
    }
}
