extension AirflowValueType {
    /// Whether Airflow accepts `value` for an option of this type.
    ///
    /// - boolean: Airflow's `getboolean` lower-cases and strips the value, drops everything from the first `#`
    ///   (then strips again) and accepts `t`, `true`, `1`, `f`, `false`, `0` (apache/airflow
    ///   `shared/configuration/src/airflow_shared/configuration/parser.py` `getboolean`; the same in 2.x
    ///   `airflow/configuration.py`).
    /// - integer: `getint` calls Python's `int(value)`; from Airflow 3 it also takes a `float(value)` that is a
    ///   whole number (`8.0`, `1e3`; not `inf` or `nan`) (2.x `airflow/configuration.py`; 3.x
    ///   `shared/configuration/.../parser.py` `getint`).
    /// - float: `getfloat` calls Python's `float(value)`.
    /// - enumeration: `_validate_enums` compares exactly (case-sensitive); an empty value is not checked.
    package func accepts(_ value: String, airflowMajor: Int) -> Bool {
        switch self {
        case .string: true
        case .boolean: Self.booleanValue(value) != nil
        case .integer: PythonNumber.isInteger(value) || (airflowMajor >= 3 && PythonNumber.isWholeFloat(value))
        case .float: PythonNumber.isFloat(value)
        case .enumeration(let allowed): value.isEmpty || allowed.contains(value)
        }
    }

    /// The boolean Airflow reads from `value`, or nil when `getboolean` raises.
    package static func booleanValue(_ value: String) -> Bool? {
        var text = String(value.lowercased().trimmingWhitespace())
        if let hash = text.firstIndex(of: "#") { text = String(text[..<hash].trimmingPrefix(while: \.isWhitespace)) }
        text = String(text.trimmingWhitespace())
        switch text {
        case "t", "true", "1": return true
        case "f", "false", "0": return false
        default: return nil
        }
    }
}
