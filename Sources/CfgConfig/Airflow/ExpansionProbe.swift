/// Stand-ins for a generated password in `cfg check`: short texts made only of characters the password's generator
/// can produce, holding what Airflow's `$NAME`/`~` expansion (``AirflowExpansion``) acts on.
///
/// A withheld secret is opaque to the offline check, but a generated one is not quite: its alphabet is declared.
/// Every character of a password is drawn from the whole alphabet, so any short run of alphabet characters occurs
/// in some generated value. Evaluating the templates with a probe in place of the password shows whether a setting
/// can ever hold an expandable value, after whatever the template does to it (`| urlencode` turns `$` into `%24`
/// but keeps `~`).
package enum ExpansionProbe {
    /// The characters `spec` draws from; empty for a generator whose output Airflow never expands (`fernet` and
    /// `bytes` make only letters, digits and `+/=-_`).
    package static func alphabet(of spec: GeneratorSpec) -> Set<Character> {
        guard case .password(let policy) = spec else { return [] }
        var characters = Set(policy.classes.flatMap { GeneratorSpecParser.characters(of: $0) })
        characters.subtract(policy.exclude)
        return characters
    }

    /// The probes for an alphabet, each on its own a possible run of a generated value; empty when no value from
    /// it can be expanded.
    ///
    /// - the first holds `$NAME` and `${NAME}` where the alphabet has `$` (and `{ }`), after `~/` where it has
    ///   `~` and `/` (a value starting so is expanded whatever follows);
    /// - the second is `~` and one user-name character: the home form that survives `| urlencode`, as the start
    ///   of a value that continues with such characters.
    package static func probes(alphabet: Set<Character>) -> [String] {
        let sorted = alphabet.sorted()
        let word = sorted.first { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        var first = ""
        if alphabet.contains("~"), alphabet.contains("/") { first += "~/" }
        if alphabet.contains("$") {
            if let word { first += "$" + String(word) }
            if alphabet.contains("{"), alphabet.contains("}"),
                let name = word ?? sorted.first(where: { $0 != "}" && $0 != "=" })
            {
                first += "${" + String(name) + "}"
            }
        }
        var result: [String] = []
        if AirflowExpansion.mayAlter(first) { result.append(first) }
        let userName =
            sorted.first { $0.isASCII && ($0.isLetter || $0.isNumber) } ?? sorted.first { $0 == "." || $0 == "_" }
        if alphabet.contains("~"), let userName { result.append("~" + String(userName)) }
        return result
    }
}
