/// A `[section] option` pair of Airflow's configuration, lower-cased as Airflow reads it.
package struct AirflowOptionKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    package var section: String
    package var option: String

    package init(section: String, option: String) {
        self.section = section.lowercased()
        self.option = option.lowercased()
    }

    /// `[section] option`, as Airflow's own messages name an option (control characters escaped).
    package var description: String { "[\(ConfigText.escaped(section))] \(ConfigText.escaped(option))" }

    package static func < (left: AirflowOptionKey, right: AirflowOptionKey) -> Bool {
        (left.section, left.option) < (right.section, right.option)
    }
}
