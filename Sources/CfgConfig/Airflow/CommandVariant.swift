/// A `NAME_cmd` or `NAME_secret` option: Airflow runs the command, or reads the path from its secrets backend, in
/// place of `NAME` (FACTS §6).
struct CommandVariant: Sendable, Hashable {
    /// The option the variant stands for.
    var base: AirflowOptionKey
    /// `cmd` or `secret`.
    var suffix: String

    /// The variant an option name spells, or nil when it has neither suffix.
    init?(key: AirflowOptionKey) {
        for suffix in ["cmd", "secret"] where key.option.hasSuffix("_" + suffix) {
            let base = String(key.option.dropLast(suffix.count + 1))
            guard !base.isEmpty else { return nil }
            self.base = AirflowOptionKey(section: key.section, option: base)
            self.suffix = suffix
            return
        }
        return nil
    }
}
