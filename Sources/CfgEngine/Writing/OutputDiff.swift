package import CfgConfig
package import CfgSecure
import FoundationEssentials

/// What `cfg render --diff` shows: per output, which keys would be added, removed or changed.
///
/// A value is shown in clear only when it comes from the new render and that render marks it non-secret. Every
/// value read from the file on disk is shown as a keyed fingerprint (HMAC with a key made fresh for the run): old
/// files carry no secret marks, and a setting that held a secret may since have become a literal, so any old value
/// may be a secret.
///
/// The text form has one line format for files and keys, a sign then a name (see ``lines``); the JSON form
/// (``DiffReport``) carries the same values.
package struct OutputDiff: Sendable {
    /// One key's change; the values are as shown (fingerprints for anything that may be secret).
    package enum Change: Sendable, Hashable {
        case added(key: String, value: String)
        case removed(key: String, value: String)
        case changed(key: String, old: String, new: String)
    }

    /// What happens to the file as a whole.
    package enum Status: String, Sendable, Hashable {
        /// The file does not exist yet: every key is added.
        case new
        /// The file exists and at least one key differs.
        case changed
        /// The file exists and every key is the same.
        case unchanged
    }

    package var path: String
    /// The output's kind (`env`, `dotenv`, `ecs-task-definition`, `file`).
    package var kind: OutputConfig.Kind
    /// The service the output is rendered for (nil: the environment-wide settings).
    package var service: String?
    /// True when the file does not exist yet.
    package var isNew: Bool
    package var changes: [Change]

    /// Whether rendering would change this file.
    package var status: Status {
        if isNew { return .new }
        return changes.isEmpty ? .unchanged : .changed
    }

    /// Compares a rendered output with the file currently at its destination.
    package static func compare(
        _ output: RenderedOutput,
        existing: String?,
        fingerprint: SecretFingerprint
    ) -> OutputDiff {
        let new = entries(of: output.kind, in: output.contents)
        // A key read from disk is shown only when it looks like a name; anything else (a hand-edited line, a
        // damaged file) may hold a secret, so the whole entry becomes a value under a numbered key.
        let old = (existing.map { entries(of: output.kind, in: $0) } ?? []).enumerated().map { index, entry in
            isPlainKey(entry.0) ? entry : ("entry \(index + 1)", entry.0 + "=" + entry.1)
        }
        let oldMap = Dictionary(old, uniquingKeysWith: { _, last in last })
        let newMap = Dictionary(new, uniquingKeysWith: { _, last in last })
        // Old values are always fingerprinted (they may have been secret when written); a new value is shown in
        // clear only when the new render says it is not secret.
        func shownNew(_ key: String, _ value: String) -> String {
            output.secretKeys.contains(key) ? fingerprint.fingerprint(value) : value
        }
        func shownOld(_ value: String) -> String { fingerprint.fingerprint(value) }
        var changes: [Change] = []
        for (key, value) in new {
            if let before = oldMap[key] {
                if before != value {
                    changes.append(.changed(key: key, old: shownOld(before), new: shownNew(key, value)))
                }
            } else {
                changes.append(.added(key: key, value: shownNew(key, value)))
            }
        }
        for (key, value) in old where newMap[key] == nil {
            changes.append(.removed(key: key, value: shownOld(value)))
        }
        return OutputDiff(
            path: output.path,
            kind: output.kind,
            service: output.service,
            isNew: existing == nil,
            changes: changes
        )
    }

    /// Whether a key may be printed: ASCII letters, digits, and `_ . - [ ] ( )` and space (variable names,
    /// JSON paths, `line N`).
    static func isPlainKey(_ key: String) -> Bool {
        !key.isEmpty
            && key.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                case UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "["), UInt8(ascii: "]"),
                    UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: " "):
                    true
                default: false
                }
            }
    }

    /// The lines `--diff` prints for this output: one line for the file, then one per key, each a sign and a name.
    ///
    /// ```text
    /// + PATH (new file)            ~ PATH (changed)             = PATH (unchanged)
    ///     + KEY: VALUE                 ~ KEY: OLD -> NEW            - KEY: OLD
    /// ```
    /// `+` added, `-` removed, `~` changed, `=` unchanged; a key line is indented by four spaces.
    package var lines: [String] {
        let file: String
        switch status {
        case .new: file = "+ \(path) (new file)"
        case .changed: file = "~ \(path) (changed)"
        case .unchanged: file = "= \(path) (unchanged)"
        }
        return [file]
            + changes.map { change in
                switch change {
                case .added(let key, let value): "    + \(key): \(value)"
                case .removed(let key, let value): "    - \(key): \(value)"
                case .changed(let key, let old, let new): "    ~ \(key): \(old) -> \(new)"
                }
            }
    }

    /// The (key, value) pairs of a file of this kind: variables for env files, flattened JSON paths (environment
    /// and secrets by name) for task definitions, numbered lines for other files.
    static func entries(of kind: OutputConfig.Kind, in contents: String) -> [(String, String)] {
        kind.format.diffEntries(in: contents)
    }
}
