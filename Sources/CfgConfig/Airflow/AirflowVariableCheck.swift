import CfgSuggestion
import FoundationEssentials

/// Checks the `AIRFLOW_CONN_*` and `AIRFLOW_VAR_*` variables of an `[env]` section, offline.
///
/// - Airflow looks a connection up as `AIRFLOW_CONN_{CONN_ID.upper()}` and a variable as `AIRFLOW_VAR_{KEY.upper()}`
///   (its environment-variable secrets backend), so a name with a lower-case letter is never found: an error with
///   the upper-case name.
/// - A connection written literally (no `{{ }}`) is read as Airflow's secrets backend reads it: a value starting
///   with `{` (after Python's `strip`) goes to `Connection.from_json` and must be a JSON object of `Connection`'s
///   fields; any other goes to Airflow's URI parser, which refuses more than two `://`, and a protocol before the
///   second one that holds `@` or `:`. Values from expressions (the `airflow_conn_*` filters, secrets) are not
///   checked here: their text is not known offline.
///
/// Messages name the variable, never its value (nor a part of it, such as a JSON key).
package enum AirflowVariableCheck {
    /// The prefix of a connection's variable.
    package static let connectionPrefix = "AIRFLOW_CONN_"
    /// The prefix of a variable's variable.
    package static let variablePrefix = "AIRFLOW_VAR_"

    /// The keyword arguments `Connection.from_json` passes on to `Connection` (any other is a `TypeError`).
    static let connectionFields = ["conn_type", "description", "host", "login", "password", "schema", "port", "extra"]

    /// The findings for one `[env]` variable.
    ///
    /// - Parameters:
    ///   - variable: the name as written.
    ///   - literal: the value when the whole of it is literal template text, else nil.
    ///   - label: where the line is (`templates/airflow.cfg.tmpl:30:1`).
    package static func check(variable: String, literal: String?, label: String) -> [SettingsFinding] {
        var findings: [SettingsFinding] = []
        let isConnection = variable.hasPrefix(connectionPrefix)
        guard isConnection || variable.hasPrefix(variablePrefix) else { return [] }
        let upper = variable.uppercased()
        if upper != variable {
            let what =
                isConnection
                ? "a connection as \(connectionPrefix){CONN_ID} with the id in upper case"
                : "a variable as \(variablePrefix){KEY} with the key in upper case"
            findings.append(
                SettingsFinding(
                    .error,
                    isConnection ? .connectionNameNotUpperCase : .variableNameNotUpperCase,
                    "\(variable): Airflow looks up \(what), so it never finds this variable; write \(upper).",
                    label: label,
                    suggestion: upper
                )
            )
        }
        if isConnection, let literal {
            findings += connectionFindings(variable: variable, value: literal, label: label)
        }
        return findings
    }

    /// Python's `str.strip()`, which Airflow applies before it looks at the first character.
    private static func stripped(_ text: String) -> String {
        var scalars = Substring(text).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }

    private static func connectionFindings(variable: String, value: String, label: String) -> [SettingsFinding] {
        let text = stripped(value)
        if text.first == "{" {
            return jsonFindings(variable: variable, text: text, label: label)
        }
        let parts = text.components(separatedBy: "://")
        if parts.count > 3 {
            return [
                SettingsFinding(
                    .error,
                    .invalidConnectionURI,
                    "\(variable): the connection URI holds '://' \(parts.count - 1) times; Airflow accepts at most two "
                        + "(the type's and a host's protocol) and refuses it. Percent-encode the host, or build the "
                        + "value with the airflow_conn_uri filter.",
                    label: label
                )
            ]
        }
        if parts.count == 3, parts[1].contains("@") || parts[1].contains(":") {
            return [
                SettingsFinding(
                    .error,
                    .invalidConnectionURI,
                    "\(variable): the host's protocol (between the two '://') holds '@' or ':', which Airflow refuses. "
                        + "Build the value with the airflow_conn_uri filter.",
                    label: label
                )
            ]
        }
        return []
    }

    private static func jsonFindings(variable: String, text: String, label: String) -> [SettingsFinding] {
        guard case .object(let object) = JSONValue(parsing: text) else {
            return [
                SettingsFinding(
                    .error,
                    .invalidConnectionJSON,
                    "\(variable): the value starts with '{', so Airflow reads it with Connection.from_json, but it is "
                        + "not a JSON object. Fix the JSON, or build it with the airflow_conn_json filter.",
                    label: label
                )
            ]
        }
        return object.keys.sorted().filter { !connectionFields.contains($0) }.map { key in
            let suggestion = Suggestion.closest(to: key, among: connectionFields)
            return SettingsFinding(
                .error,
                .invalidConnectionJSON,
                // The field is not named: it is part of the value.
                "\(variable): the JSON has a field Airflow's Connection does not take (Connection.from_json fails); "
                    + "its fields are \(connectionFields.joined(separator: ", "))"
                    + (suggestion.map { "; did you mean '\($0)'?" } ?? "."),
                label: label,
                suggestion: suggestion
            )
        }
    }
}
