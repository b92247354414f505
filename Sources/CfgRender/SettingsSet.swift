/// Combines the settings of several templates into what one service gets.
package enum SettingsSet {
    /// Merges templates in order: a later template's setting replaces an earlier one with the same variable.
    ///
    /// The result is sorted by variable name (byte order), so every output is deterministic and diffs stay
    /// small whatever the template order.
    package static func merge(_ templates: [[Setting]]) -> [Setting] {
        var byVariable: [String: Setting] = [:]
        for template in templates {
            for setting in template {
                byVariable[setting.variable] = setting
            }
        }
        return byVariable.values.sorted { $0.variable.utf8.lexicographicallyPrecedes($1.variable.utf8) }
    }
}
