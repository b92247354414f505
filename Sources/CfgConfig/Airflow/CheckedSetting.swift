/// One setting for ``SettingsCheck``: where it is, which option it sets and what is known of its value.
package struct CheckedSetting: Sendable {
    /// What the checker knows of a value.
    package enum Value: Sendable {
        /// Literal template text: the whole value is known and is not secret.
        case literal(String)
        /// Not from a secret, but known only once rendered (`{{ values.dags_folder }}`): its rendered text when the
        /// caller rendered it, checked like a literal's (type, expansion); a sensitive option set this way is still
        /// flagged.
        case expression(String?)
        /// The value comes (at least in part) from a secret. `text` is the rendered value when the caller has it
        /// (`cfg render --check`); the checker then checks its type and expansion too, and never reports it.
        /// A Swift `String` cannot be zeroed: callers pass it only for the duration of the check.
        case secret(text: String?)
    }

    /// The Airflow section as written (Airflow lower-cases it).
    package var section: String
    /// The option as written, possibly with a `_cmd`/`_secret` suffix.
    package var option: String
    package var value: Value
    /// Where the setting is, for messages (`templates/airflow.cfg.tmpl:4:1`).
    package var label: String

    package init(section: String, option: String, value: Value, label: String) {
        self.section = section
        self.option = option
        self.value = value
        self.label = label
    }

    /// The key Airflow reads.
    package var key: AirflowOptionKey { AirflowOptionKey(section: section, option: option) }
}
