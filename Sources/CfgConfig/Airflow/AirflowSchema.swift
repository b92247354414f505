/// What one line of Airflow accepts in its configuration: sections, options and their types, the sensitive
/// options, the moved options.
///
/// Generated from Airflow's own files (`dev/gen-airflow-schema.py` writes `AirflowSchemaData.swift`): 2.x is
/// apache-airflow 2.10.5, 3.x is apache-airflow-core 3.3.2, both with the Celery provider 3.26.0's sections. The
/// text is indexed in place at first use (``AirflowSchemaTable``) and an option is read when it is looked up: a
/// render checks tens of settings against hundreds of options.
package struct AirflowSchema: Sendable {
    private let table: AirflowSchemaTable

    /// The Airflow version the schema comes from (`2.10.5`, `3.3.2`).
    package var version: String { table.version }
    /// Sections a move points to whose options come from a provider the schema does not hold (`fab`): cfg
    /// cannot check their options.
    package var uncheckedSections: Set<String> { table.uncheckedSections }

    /// Airflow 2.10.5 with the Celery provider.
    package static let airflow2 = AirflowSchema(parsing: airflow2Data)
    /// Airflow 3.3.2 with the Celery provider.
    package static let airflow3 = AirflowSchema(parsing: airflow3Data)

    /// Indexes the generated text (format: the docstring of `dev/gen-airflow-schema.py`).
    init(parsing text: String) {
        table = AirflowSchemaTable(text)
    }

    /// The schema for an environment file's `airflow_version` (`"3.1"`, `"2.10.4"`): chosen by major version.
    ///
    /// - Returns: nil when the major version is neither 2 nor 3, or the text is not a version.
    package static func forVersion(_ airflowVersion: String) -> AirflowSchema? {
        switch AirflowVersion.major(of: airflowVersion) {
        case 2: airflow2
        case 3: airflow3
        default: nil
        }
    }

    /// The major version of the schema (2 or 3).
    package var major: Int { AirflowVersion.major(of: version) ?? 0 }

    /// The option `[section] name`, if the schema has it.
    package func option(_ key: AirflowOptionKey) -> AirflowOption? {
        table.option(key)
    }

    /// The move of an option's old name, if `key` is one.
    package func move(from key: AirflowOptionKey) -> AirflowMove? {
        table.move(from: key)
    }

    /// Whether the schema has the section.
    package func hasSection(_ name: String) -> Bool {
        table.section(name) != nil
    }

    /// Every section name, sorted.
    package var sectionNames: [String] {
        table.sectionNames
    }

    /// Every moved option by its old name.
    package var moves: [AirflowOptionKey: AirflowMove] {
        table.allMoves
    }

    /// Every option by section, then by name.
    package var sections: [String: [String: AirflowOption]] {
        Dictionary(
            uniqueKeysWithValues: sectionNames.map { section in
                (
                    section,
                    Dictionary(
                        uniqueKeysWithValues: optionNames(in: section).compactMap { name in
                            option(AirflowOptionKey(section: section, option: name)).map { (name, $0) }
                        }
                    )
                )
            }
        )
    }

    /// Whether Airflow honours `NAME_cmd`/`NAME_secret` (and `AIRFLOW__S__NAME_CMD`/`_SECRET`) for this option:
    /// only for its `sensitive_config_values`, the sensitive options and the old names of sensitive options.
    package func allowsCommandVariants(_ key: AirflowOptionKey) -> Bool {
        if option(key)?.isSensitive == true { return true }
        guard let move = move(from: key) else { return false }
        return option(move.to)?.isSensitive == true
    }

    /// Every option name of a section, sorted, for "did you mean".
    package func optionNames(in section: String) -> [String] {
        table.optionNames(in: section)
    }

    /// The sections that hold an option of this name (for an option written under the wrong section).
    package func sections(holding option: String) -> [String] {
        sectionNames.filter { self.option(AirflowOptionKey(section: $0, option: option)) != nil }
    }
}
