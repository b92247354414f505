/// One problem ``SettingsCheck`` found. Messages name sections, options and versions, never a value.
package struct SettingsFinding: Sendable, Hashable, CustomStringConvertible {
    /// How bad it is: an error fails `cfg check`, a warning only under `--strict`.
    package enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    /// The kind of problem (a closed set; the JSON output's `code`).
    package enum Code: String, Sendable, Hashable, CaseIterable {
        /// The Airflow version is not 2.x or 3.x.
        case unsupportedAirflowVersion = "unsupported-airflow-version"
        /// A section Airflow does not have.
        case unknownSection = "unknown-section"
        /// An option its section does not have.
        case unknownOption = "unknown-option"
        /// A section of a provider the schema does not hold: not checked.
        case uncheckedSection = "unchecked-section"
        /// An old name Airflow still reads, with the new one.
        case movedOption = "moved-option"
        /// An option config.yml marks deprecated.
        case deprecatedOption = "deprecated-option"
        /// An option added after the declared `airflow_version`.
        case optionNotYetAvailable = "option-not-yet-available"
        /// A sensitive option set from literal text rather than a secret.
        case sensitiveLiteral = "sensitive-literal"
        /// Not a boolean as Airflow's `getboolean` reads it.
        case invalidBoolean = "invalid-boolean"
        /// Not an integer as Python's `int()` reads it.
        case invalidInteger = "invalid-integer"
        /// Not a float as Python's `float()` reads it.
        case invalidFloat = "invalid-float"
        /// Not one of the values Airflow's `_validate_enums` allows.
        case invalidEnumeration = "invalid-enumeration"
        /// Not a list of Fernet keys.
        case invalidFernetKey = "invalid-fernet-key"
        /// A value Airflow's `$NAME`/`~` expansion may alter.
        case expandedValue = "expanded-value"
        /// A generated password that, on some generation, Airflow's `$NAME`/`~` expansion may alter.
        case expandableSecret = "expandable-secret"
        /// A `_cmd`/`_secret` variant of an option that does not allow it: Airflow ignores it.
        case variantNotAllowed = "variant-not-allowed"
        /// A URI's login or password that its reader does not decode back to exactly a secret's value
        /// (`cfg render` only: it needs the values).
        case credentialsMismatch = "credentials-mismatch"
        /// A service command the Airflow version does not have (`webserver` on 3.x, `api-server` on 2.x).
        case wrongServiceForVersion = "wrong-service-for-version"
        /// An `AIRFLOW_CONN_*` name with a lower-case letter: Airflow looks connections up in upper case.
        case connectionNameNotUpperCase = "connection-name-not-upper-case"
        /// An `AIRFLOW_VAR_*` name with a lower-case letter: Airflow looks variables up in upper case.
        case variableNameNotUpperCase = "variable-name-not-upper-case"
        /// A literal connection URI Airflow's parser refuses (more than two `://`).
        case invalidConnectionURI = "invalid-connection-uri"
        /// A literal connection starting with `{` that is not a JSON object of `Connection`'s fields.
        case invalidConnectionJSON = "invalid-connection-json"
    }

    package var severity: Severity
    package var code: Code
    /// The sentence a user reads: what is wrong, where in Airflow's terms, what to do.
    package var message: String
    /// Where: the setting's or service's label.
    package var label: String
    /// The closest known name, when there is one ("did you mean").
    package var suggestion: String?

    package init(_ severity: Severity, _ code: Code, _ message: String, label: String, suggestion: String? = nil) {
        self.severity = severity
        self.code = code
        self.message = message
        self.label = label
        self.suggestion = suggestion
    }

    /// `LABEL: error: MESSAGE`.
    package var description: String { "\(label): \(severity.rawValue): \(message)" }
}
