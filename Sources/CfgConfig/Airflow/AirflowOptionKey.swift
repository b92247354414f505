/// A `[section] option` pair of Airflow's configuration, lower-cased as Airflow reads it.
package struct AirflowOptionKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    package var section: String
    package var option: String

    package init(section: String, option: String) {
        self.section = section.lowercased()
        self.option = option.lowercased()
    }

    /// The option an `AIRFLOW__SECTION__KEY` variable sets (`AIRFLOW__CORE__FERNET_KEY_CMD` → `[core]
    /// fernet_key_cmd`), for settings written as raw variables; nil for any other name. Airflow's `_env_var_name`
    /// writes a `.` of a section as `_`; no section of either schema has one, so the name maps back directly.
    package init?(variable: String) {
        let prefix = "AIRFLOW__"
        guard variable.hasPrefix(prefix) else { return nil }
        let rest = variable.dropFirst(prefix.count)
        guard let separator = rest.firstRange(of: "__") else { return nil }
        let section = rest[..<separator.lowerBound]
        let option = rest[separator.upperBound...]
        guard !section.isEmpty, !option.isEmpty else { return nil }
        self.init(section: String(section), option: String(option))
    }

    /// `[section] option`, as Airflow's own messages name an option (control characters escaped).
    package var description: String { "[\(ConfigText.escaped(section))] \(ConfigText.escaped(option))" }

    package static func < (left: AirflowOptionKey, right: AirflowOptionKey) -> Bool {
        (left.section, left.option) < (right.section, right.option)
    }
}
