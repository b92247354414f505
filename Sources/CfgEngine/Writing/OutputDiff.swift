package import CfgConfig
package import CfgSecure
import Foundation

/// What `cfg render --diff` shows: per output, which keys would be added, removed or changed.
///
/// A value is shown in clear only when it comes from the new render and that render marks it non-secret. Every
/// value read from the file on disk is shown as a keyed fingerprint (HMAC with a key made fresh for the run): old
/// files carry no secret marks, and a setting that held a secret may since have become a literal, so any old value
/// may be a secret.
package struct OutputDiff: Sendable {
    package enum Change: Sendable, Hashable {
        case added(key: String, value: String)
        case removed(key: String, value: String)
        case changed(key: String, old: String, new: String)
    }

    package var path: String
    /// True when the file does not exist yet.
    package var isNew: Bool
    package var changes: [Change]

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
            } else if existing != nil {
                changes.append(.added(key: key, value: shownNew(key, value)))
            }
        }
        for (key, value) in old where newMap[key] == nil {
            changes.append(.removed(key: key, value: shownOld(value)))
        }
        return OutputDiff(path: output.path, isNew: existing == nil, changes: changes)
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

    /// The lines `--diff` prints for this output.
    package var lines: [String] {
        if isNew { return ["+ \(path) (new file)"] }
        if changes.isEmpty { return ["  \(path) (unchanged)"] }
        return ["~ \(path)"]
            + changes.map { change in
                switch change {
                case .added(let key, let value): "    + \(key) = \(value)"
                case .removed(let key, let value): "    - \(key) = \(value)"
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
