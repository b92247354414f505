/// The type config.yml gives an option (`string`, `boolean`, `integer`, `float`), or the values Airflow's
/// `enums_options` allows (checked by its `_validate_enums`).
package enum AirflowValueType: Sendable, Hashable {
    case string
    case boolean
    case integer
    case float
    case enumeration([String])
}
