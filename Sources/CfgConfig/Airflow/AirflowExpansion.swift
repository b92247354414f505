/// What Airflow's `expand_env_var` may change in a configuration value.
///
/// Airflow passes every configuration value it reads (from `AIRFLOW__S__K` variables and from airflow.cfg)
/// through `expand_env_var`, which applies `os.path.expanduser(os.path.expandvars(value))` until the value stops
/// changing (apache/airflow `airflow/configuration.py` 2.x; `shared/configuration/.../parser.py` 3.x, FACTS §6).
/// On POSIX, CPython's `posixpath` does:
/// - `expandvars`: every match of `\$(\w+|\{[^}]*\})` (ASCII `\w`: letters, digits, `_`) whose name is set in the
///   environment is replaced by its value; an unset name is left as written. `$` followed by anything else
///   (`$-`, `$ `, `$$x`'s first `$`, a `${` never closed) never matches.
/// - `expanduser`: a value starting with `~` up to the first `/` (or the end) is replaced by that user's home:
///   `~` and `~/…` by `$HOME`, `~NAME…` when the account NAME exists; otherwise the value is left as written.
///
/// cfg cannot know which variables and accounts exist where Airflow runs, so a value *may* be altered when it
/// holds a `$NAME` or a `${NAME}` whose name can be an environment variable (not empty, no `=`), or starts with
/// `~` followed by `/`, the end, or a name made of the POSIX portable user-name characters (`A-Z a-z 0-9 . _ -`,
/// optionally ending in `$`). Such a value is reported; every other value reaches Airflow as written.
package enum AirflowExpansion {
    /// What in a value may be expanded.
    package enum Form: Sendable, Hashable {
        /// `$NAME` (ASCII letters, digits, `_`).
        case variable
        /// `${NAME}`.
        case bracedVariable
        /// A leading `~`, `~/…` or `~user`.
        case home
    }

    /// The forms in `value` that Airflow may expand, in order of first appearance (each form once). Empty when
    /// Airflow reads the value exactly as written.
    package static func forms(in value: String) -> [Form] {
        var found: [Form] = []
        if startsWithHome(value) { found.append(.home) }
        let scalars = Array(value.unicodeScalars)
        var index = 0
        while index < scalars.count {
            defer { index += 1 }
            guard scalars[index] == "$", index + 1 < scalars.count else { continue }
            let next = scalars[index + 1]
            if isWordScalar(next) {
                if !found.contains(.variable) { found.append(.variable) }
            } else if next == "{", let close = scalars[(index + 2)...].firstIndex(of: "}") {
                let name = scalars[(index + 2)..<close]
                // `re.search` resumes after the whole match: skip it.
                if !name.isEmpty, !name.contains("="), !name.contains("\0"), !found.contains(.bracedVariable) {
                    found.append(.bracedVariable)
                }
                index = close
            }
        }
        return found
    }

    /// Whether Airflow may change the value (see the type's discussion).
    package static func mayAlter(_ value: String) -> Bool {
        !forms(in: value).isEmpty
    }

    /// `\w` under `re.ASCII`.
    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar == "_" || scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
    }

    /// `~`, `~/…`, or `~NAME` / `~NAME/…` with NAME a portable user name.
    private static func startsWithHome(_ value: String) -> Bool {
        guard value.hasPrefix("~") else { return false }
        let name = value.dropFirst().prefix { $0 != "/" }
        guard !name.isEmpty else { return true }
        let body = name.hasSuffix("$") ? name.dropLast() : name
        guard let first = body.first, first != "-" else { return false }
        return body.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII
                && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                    || ".-_".unicodeScalars.contains(scalar))
        }
    }
}
