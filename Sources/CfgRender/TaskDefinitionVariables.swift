/// The marker by which a task definition tells `cfg exec` which variables it sets itself.
///
/// When a rendered task definition starts its container with `cfg exec`, its `environment` also holds
/// `CFG_TASK_DEFINITION_VARIABLES`: the names of every variable the task definition sets (from `environment` and
/// from `secrets[].valueFrom`), comma-separated, in byte order. Names only, never a value: it is not secret.
///
/// `cfg exec` reads it from its own environment: those variables are the task definition's, so it keeps the values
/// ECS put there (a plain value changed and registered in a new revision reaches the container without a new
/// image), and it does not fetch the secrets that only they use (the task role needs no read on them). Without the
/// marker, `cfg exec` computes every setting from the project files, as it does outside ECS.
package enum TaskDefinitionVariables {
    /// The marker variable's name.
    package static let variable = "CFG_TASK_DEFINITION_VARIABLES"

    /// The marker's value for `names`: sorted (byte order), without duplicates, joined by commas.
    package static func value(_ names: [String]) -> String {
        Set(names).sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }.joined(separator: ",")
    }

    /// The names a marker lists.
    ///
    /// - Returns: the names; empty for an empty value (a task definition that sets nothing else).
    /// - Throws: `RenderError.Code.invalidValue` when an entry is not a valid variable name or names the marker
    ///   itself (the message gives the entry's number, not its text: whatever was put there is not shown).
    package static func names(in value: String) throws(RenderError) -> Set<String> {
        guard !value.isEmpty else { return [] }
        var names: Set<String> = []
        let entries = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for (index, entry) in entries.enumerated() {
            guard Setting.isValidVariableName(entry), entry != variable else {
                throw RenderError(
                    .invalidValue,
                    "\(variable) must list variable names separated by commas, as cfg renders it into the task "
                        + "definition; its entry \(index + 1) is not one. Render the task definition again."
                )
            }
            names.insert(entry)
        }
        return names
    }
}
