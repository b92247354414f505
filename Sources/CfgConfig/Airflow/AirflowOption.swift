/// One option of Airflow's configuration schema.
package struct AirflowOption: Sendable, Hashable {
    package var key: AirflowOptionKey
    package var type: AirflowValueType
    /// `sensitive: true` in config.yml: Airflow masks it and honours its `_cmd`/`_secret` variants.
    package var isSensitive: Bool
    /// config.yml's `version_added`, when it gives one.
    package var versionAdded: String?
    /// config.yml's `version_deprecated`: the option still exists but is going away.
    package var versionDeprecated: String?

    package init(
        key: AirflowOptionKey,
        type: AirflowValueType,
        isSensitive: Bool = false,
        versionAdded: String? = nil,
        versionDeprecated: String? = nil
    ) {
        self.key = key
        self.type = type
        self.isSensitive = isSensitive
        self.versionAdded = versionAdded
        self.versionDeprecated = versionDeprecated
    }
}
