package import CfgTemplate

/// One `key = value` line of a settings template, with the environment variable it becomes.
package struct Setting: Sendable, Hashable {
    /// The lower-cased Airflow section, or nil for the `[env]` section (raw variable names).
    package var section: String?
    /// The key: lower-cased in an Airflow section, as written in `[env]`.
    package var key: String
    /// The environment variable: `AIRFLOW__SECTION__KEY`, or the key itself in `[env]`.
    package var variable: String
    /// The value, segment by segment, so renderers know which bytes are secret.
    package var value: RenderedText
    /// Where the key starts in the template.
    package var position: SourcePosition

    package init(section: String?, key: String, variable: String, value: RenderedText, position: SourcePosition) {
        self.section = section
        self.key = key
        self.variable = variable
        self.value = value
        self.position = position
    }

    /// A setting of an Airflow section; the variable follows Airflow's `_env_var_name`.
    package static func airflow(
        section: String,
        key: String,
        value: RenderedText,
        position: SourcePosition
    ) -> Setting {
        Setting(
            section: section,
            key: key,
            variable: variableName(section: section, key: key),
            value: value,
            position: position
        )
    }

    /// `AIRFLOW__` + section with `.` → `_`, upper-cased, + `__` + key upper-cased (FACTS §6).
    package static func variableName(section: String, key: String) -> String {
        "AIRFLOW__" + String(section.map { $0 == "." ? "_" : $0 }).uppercased() + "__" + key.uppercased()
    }

    /// True when `name` is a portable environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
    package static func isValidVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.isASCIILetter else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0.isASCIILetter || $0.isASCIIDigit }
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
