import CfgConfig
import CfgRender
import CfgTemplate

extension CheckedSetting {
    /// The Airflow setting a rendered settings line makes, or nil for an `[env]` variable that is not
    /// `AIRFLOW__SECTION__KEY`. A value that holds any withheld secret is `.secret` (its text unknown), a value
    /// written literally is `.literal`, any other (`{{ values.x }}`) is `.expression` with its text. With `revealing`
    /// (`cfg render`, whose secrets are resolved) a value that holds a secret is `.secret` with its text, for the
    /// duration of the check.
    init?(_ setting: Setting, revealing: Bool = false) {
        let key: AirflowOptionKey
        if let section = setting.section {
            key = AirflowOptionKey(section: section, option: setting.key)
        } else if let variable = AirflowOptionKey(variable: setting.variable) {
            key = variable
        } else {
            return nil
        }
        let segments = setting.value.segments
        let value: Value
        if segments.contains(where: { $0.isSecret || !$0.withheld.isEmpty }) {
            let complete = revealing && setting.value.withheldSecrets.isEmpty
            value = .secret(text: complete ? setting.value.text : nil)
        } else if segments.allSatisfy({ $0.kind == .literal }) {
            value = .literal(setting.value.text)
        } else {
            value = .expression(setting.value.text)
        }
        self.init(section: key.section, option: key.option, value: value, label: setting.position.description)
    }
}
