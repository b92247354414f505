import CfgSuggestion

/// Checks Airflow settings against the schema of the environment's `airflow_version`, offline.
///
/// Every setting is checked on its own and every problem is returned, in the order of the settings:
/// - an unknown section or option is an error, with the closest known name ("did you mean") or the section that
///   holds an option of that name; a section of a provider the schema does not hold (`fab`) is a warning;
/// - an old name Airflow still reads (`[core] sql_alchemy_conn`) warns with its replacement for that version;
///   an option config.yml marks deprecated warns; an option added after the declared version warns;
/// - `NAME_cmd`/`NAME_secret` on an option that does not allow them is an error (Airflow ignores them);
/// - a sensitive option set from literal text or a non-secret expression is a warning (Airflow also marks some JSON `*_kwargs` options
///   sensitive that often hold no credential; `cfg check --strict` fails on warnings);
/// - a known value must have the option's type (boolean, integer, float, enumeration), `[core] fernet_key` must be
///   Fernet keys, and a value Airflow's `$NAME`/`~` expansion may alter is an error naming the option.
package struct SettingsCheck: Sendable {
    package let schema: AirflowSchema
    /// The environment's `airflow_version` as declared (`3.1`).
    package let declaredVersion: String

    package init(schema: AirflowSchema, declaredVersion: String) {
        self.schema = schema
        self.declaredVersion = declaredVersion
    }

    /// A check for an environment's `airflow_version`, or nil when no schema fits it (see
    /// ``unsupportedVersion(_:label:)``).
    package init?(airflowVersion: String) {
        guard let schema = AirflowSchema.forVersion(airflowVersion) else { return nil }
        self.init(schema: schema, declaredVersion: airflowVersion)
    }

    /// The finding for an `airflow_version` no schema fits.
    package static func unsupportedVersion(_ airflowVersion: String, label: String) -> SettingsFinding {
        SettingsFinding(
            .error,
            .unsupportedAirflowVersion,
            "airflow_version \(AirflowVersion.shown(airflowVersion)) is not a 2.x or 3.x version; cfg checks "
                + "settings against Airflow \(AirflowSchema.airflow2.version) and \(AirflowSchema.airflow3.version).",
            label: label
        )
    }

    /// Every finding for the settings, in their order.
    package func check(_ settings: [CheckedSetting]) -> [SettingsFinding] {
        settings.flatMap(check)
    }

    /// The findings for one setting.
    package func check(_ setting: CheckedSetting) -> [SettingsFinding] {
        let key = setting.key
        if let move = schema.move(from: key) {
            return [movedFinding(move, setting: setting)] + valueFindings(setting, option: schema.option(move.to))
        }
        if schema.uncheckedSections.contains(key.section) {
            return [uncheckedFinding(setting)]
        }
        if let option = schema.option(key) {
            return optionFindings(option, setting: setting) + valueFindings(setting, option: option)
        }
        if let variant = CommandVariant(key: key),
            schema.option(variant.base) != nil || schema.move(from: variant.base) != nil
        {
            return variantFindings(variant, setting: setting)
        }
        guard schema.hasSection(key.section) else { return [unknownSectionFinding(setting)] }
        return [unknownOptionFinding(setting)]
    }

    // MARK: - Names

    private func movedFinding(_ move: AirflowMove, setting: CheckedSetting) -> SettingsFinding {
        SettingsFinding(
            .warning,
            .movedOption,
            "\(move.from) moved to \(move.to) in Airflow \(move.since); Airflow \(schema.version) still reads the "
                + "old name but warns. Write \(move.to) instead.",
            label: setting.label,
            suggestion: move.to.description
        )
    }

    private func uncheckedFinding(_ setting: CheckedSetting) -> SettingsFinding {
        SettingsFinding(
            .warning,
            .uncheckedSection,
            "\(setting.key): [\(setting.key.section)] comes from an Airflow provider whose options cfg does not know; "
                + "this option is not checked.",
            label: setting.label
        )
    }

    private func unknownSectionFinding(_ setting: CheckedSetting) -> SettingsFinding {
        let key = setting.key
        let known = schema.sectionNames
        let suggestion = Suggestion.closest(to: key.section, among: known)
        var message = "Airflow \(schema.version) has no section [\(key.section)]"
        if let suggestion { message += "; did you mean [\(suggestion)]?" } else { message += "." }
        message += otherLineNote(key)
        return SettingsFinding(.error, .unknownSection, message, label: setting.label, suggestion: suggestion)
    }

    private func unknownOptionFinding(_ setting: CheckedSetting) -> SettingsFinding {
        let key = setting.key
        var suggestion: String?
        var message = "Airflow \(schema.version) has no option \(key)"
        if let close = Suggestion.closest(to: key.option, among: schema.optionNames(in: key.section)) {
            suggestion = close
            message += "; did you mean \(AirflowOptionKey(section: key.section, option: close))?"
        } else if let other = schema.sections(holding: key.option).first {
            let elsewhere = AirflowOptionKey(section: other, option: key.option)
            suggestion = elsewhere.description
            message += "; it is in \(elsewhere)."
        } else {
            message += "."
        }
        message += otherLineNote(key)
        return SettingsFinding(.error, .unknownOption, message, label: setting.label, suggestion: suggestion)
    }

    /// " It exists in Airflow 2.10.5." when the other major line has the option.
    private func otherLineNote(_ key: AirflowOptionKey) -> String {
        let other = schema.major == 3 ? AirflowSchema.airflow2 : AirflowSchema.airflow3
        guard other.option(key) != nil else { return "" }
        return " It exists in Airflow \(other.version); check airflow_version."
    }

    private func optionFindings(_ option: AirflowOption, setting: CheckedSetting) -> [SettingsFinding] {
        var findings: [SettingsFinding] = []
        if let deprecated = option.versionDeprecated {
            findings.append(
                SettingsFinding(
                    .warning,
                    .deprecatedOption,
                    "\(option.key) is deprecated since Airflow \(deprecated); see Airflow's configuration reference.",
                    label: setting.label
                )
            )
        }
        if let added = option.versionAdded, AirflowVersion.isLater(added, than: declaredVersion) {
            findings.append(
                SettingsFinding(
                    .warning,
                    .optionNotYetAvailable,
                    "\(option.key) was added in Airflow \(added), after airflow_version "
                        + "\(AirflowVersion.shown(declaredVersion)); older Airflow ignores it.",
                    label: setting.label
                )
            )
        }
        return findings
    }

    private func variantFindings(_ variant: CommandVariant, setting: CheckedSetting) -> [SettingsFinding] {
        guard !schema.allowsCommandVariants(variant.base) else { return [] }
        return [
            SettingsFinding(
                .error,
                .variantNotAllowed,
                "\(setting.key): Airflow honours _\(variant.suffix) only for sensitive options, and "
                    + "\(variant.base) is not one; Airflow ignores this setting. Set \(variant.base) itself.",
                label: setting.label,
                suggestion: variant.base.description
            )
        ]
    }

    // MARK: - Values

    /// Sensitivity, type, Fernet and expansion findings for the value of an option Airflow knows.
    private func valueFindings(_ setting: CheckedSetting, option: AirflowOption?) -> [SettingsFinding] {
        let name = setting.key
        var findings: [SettingsFinding] = []
        let text: String?
        switch setting.value {
        case .literal(let literal):
            text = literal
            if option?.isSensitive == true, !literal.isEmpty { findings.append(sensitiveFinding(setting)) }
        case .expression(let rendered):
            text = rendered
            if option?.isSensitive == true { findings.append(sensitiveFinding(setting)) }
        case .secret(let known): text = known
        }
        guard let text, let option else { return findings }
        if let typeFinding = typeFinding(option, text: text, setting: setting) { findings.append(typeFinding) }
        if option.key == AirflowOptionKey(section: "core", option: "fernet_key"), !text.isEmpty,
            !FernetKeyText.isValid(text)
        {
            findings.append(
                SettingsFinding(
                    .error,
                    .invalidFernetKey,
                    "\(name) must be one or more comma-separated Fernet keys, each the URL-safe base64 of 32 bytes "
                        + "(44 characters, as cfg's `fernet` generator and Fernet.generate_key() make).",
                    label: setting.label
                )
            )
        }
        let forms = AirflowExpansion.forms(in: text)
        if !forms.isEmpty {
            findings.append(
                SettingsFinding(
                    .error,
                    .expandedValue,
                    "\(name): Airflow expands \(Self.describe(forms)) in configuration values when such a variable "
                        + "or account exists where it runs, so it may not read this value as written; change the "
                        + "value (for a generated secret, use a profile without $ and ~).",
                    label: setting.label
                )
            )
        }
        return findings
    }

    private func sensitiveFinding(_ setting: CheckedSetting) -> SettingsFinding {
        SettingsFinding(
            .warning,
            .sensitiveLiteral,
            "\(setting.key) is sensitive in Airflow but its value does not come from a secret; take it from one "
                + "({{ secrets.NAME.KEY }}) so it is not kept in clear.",
            label: setting.label
        )
    }

    private func typeFinding(_ option: AirflowOption, text: String, setting: CheckedSetting) -> SettingsFinding? {
        guard !option.type.accepts(text, airflowMajor: schema.major) else { return nil }
        let name = setting.key
        switch option.type {
        case .string:
            return nil
        case .boolean:
            return SettingsFinding(
                .error,
                .invalidBoolean,
                "\(name) is a boolean: Airflow accepts true, false, t, f, 1 or 0 (any case).",
                label: setting.label
            )
        case .integer:
            return SettingsFinding(.error, .invalidInteger, "\(name) is an integer.", label: setting.label)
        case .float:
            return SettingsFinding(.error, .invalidFloat, "\(name) is a number (float).", label: setting.label)
        case .enumeration(let allowed):
            return SettingsFinding(
                .error,
                .invalidEnumeration,
                "\(name) must be one of \(allowed.joined(separator: ", ")) (exactly, case included).",
                label: setting.label
            )
        }
    }

    static func describe(_ forms: [AirflowExpansion.Form]) -> String {
        forms.map { form in
            switch form {
            case .variable: "$NAME"
            case .bracedVariable: "${NAME}"
            case .home: "a leading ~"
            }
        }.joined(separator: " and ")
    }
}
