import CfgConfig
import CfgRender
import CfgSecure
import CfgTemplate

/// How `cfg render` treats the findings of the Airflow settings its outputs carry (``RenderSettingsCheck``).
package enum SettingsCheckMode: Sendable, Hashable {
    /// Not checked.
    case none
    /// `cfg render` and `--diff`: a value Airflow would read differently from the secret (``blocks``) is an error
    /// and nothing is written; every other finding is a warning.
    case write
    /// `cfg render --check`: every finding keeps its severity, as in `cfg check`.
    case check
}

/// `cfg render`'s check of the Airflow settings in its outputs, with every value resolved: every finding of
/// ``SettingsCheck`` (as `cfg check` makes them), with the value checks that need the text of a secret (type,
/// Fernet key, `$NAME`/`~` expansion), and the URI credentials check: the login and password of a URI setting
/// (``URICredentials``) that hold a secret must decode back to exactly one secret's value.
///
/// Secret texts are compared and dropped; no finding holds one.
struct RenderSettingsCheck {
    /// One finding and where it is.
    struct Result {
        var finding: SettingsFinding
        var position: SourcePosition
        /// Whether Airflow would read a value other than the secret: an error even for `cfg render`.
        var blocks: Bool
    }

    private let schema: SettingsCheck?
    /// The text of every resolved secret leaf (a whole string secret, each string or integer of a JSON secret),
    /// as UTF-8.
    private let leaves: [[UInt8]]

    init(environment: EnvironmentFile, secrets: TemplateMap) {
        schema = environment.airflowVersion.flatMap { SettingsCheck(airflowVersion: $0) }
        var leaves: [[UInt8]] = []
        for entry in secrets.entries { Self.collect(entry.value, into: &leaves) }
        self.leaves = leaves
    }

    private static func collect(_ value: TemplateValue, into leaves: inout [[UInt8]]) {
        switch value {
        case .string(let text, let secret, _) where secret: leaves.append(Array(text.utf8))
        case .integer(let number, let secret) where secret: leaves.append(Array(String(number).utf8))
        case .list(let items): for item in items { collect(item, into: &leaves) }
        case .map(let map): for entry in map.entries { collect(entry.value, into: &leaves) }
        default: break
        }
    }

    /// The findings of the settings of one template, in their order.
    func check(_ settings: [Setting]) -> [Result] {
        var results: [Result] = []
        for setting in settings {
            let containsSecret = setting.value.containsSecret
            if let schema, let checked = CheckedSetting(setting, revealing: true) {
                for finding in schema.check(checked) {
                    let blocks = finding.code == .expandedValue && Self.secretIsExpanded(setting.value)
                    results.append(Result(finding: finding, position: setting.position, blocks: blocks))
                }
            }
            if containsSecret { results += credentialsFindings(setting) }
        }
        return results
    }

    /// Whether Airflow's expansion would alter a secret's part of the value: a secret's own text holds a form,
    /// or the value holds one that its written text alone (each secret replaced by `-`, which starts no form) does
    /// not. A form only in the text you wrote is not the secret's.
    static func secretIsExpanded(_ value: RenderedText) -> Bool {
        let secrets = value.segments.filter { $0.isSecret && !$0.text.isEmpty }
        guard !secrets.isEmpty else { return false }
        if secrets.contains(where: { !AirflowExpansion.forms(in: $0.text).isEmpty }) { return true }
        let written = value.segments.map { $0.isSecret && !$0.text.isEmpty ? "-" : $0.text }.joined()
        return Set(AirflowExpansion.forms(in: value.text)) != Set(AirflowExpansion.forms(in: written))
    }

    /// The credentials check of one setting whose value is a URI with userinfo.
    private func credentialsFindings(_ setting: Setting) -> [Result] {
        let text = setting.value.text
        let key =
            setting.section.map { AirflowOptionKey(section: $0, option: setting.key) }
            ?? AirflowOptionKey(variable: setting.variable)
        let reader: URICredentials.Reader?
        if let key {
            reader = URICredentials.reader(for: key, value: text)
        } else {
            reader = URICredentials.reader(forVariable: setting.variable, value: text)
        }
        guard let reader else { return [] }
        var results: [Result] = []
        for component in URICredentials.components(of: text, reader: reader) {
            guard let secret = firstSecretSegment(of: setting.value, overlapping: component.range) else { continue }
            if matchesOneLeaf(component.decoded) { continue }
            let advice =
                reader == .urlSplitRaw
                ? "the Sentry SDK reads it without decoding, so the secret must hold no character a URI reserves"
                : "pass it through | urlencode"
            // Named only in a finding.
            let name = key?.description ?? setting.variable
            let finding = SettingsFinding(
                .error,
                .credentialsMismatch,
                "\(name): the \(component.part.rawValue) does not decode back to a secret's value; \(advice).",
                label: secret.description
            )
            results.append(Result(finding: finding, position: secret, blocks: true))
        }
        return results
    }

    /// The position of the first secret segment that overlaps `range` (scalar offsets in the text).
    private func firstSecretSegment(of text: RenderedText, overlapping range: Range<Int>) -> SourcePosition? {
        var start = 0
        for segment in text.segments {
            let end = start + segment.text.unicodeScalars.count
            if segment.isSecret, start < end, start < range.upperBound, range.lowerBound < end {
                return segment.position
            }
            start = end
        }
        return nil
    }

    /// Whether `decoded` is exactly one secret leaf: every leaf is compared, each in constant time.
    private func matchesOneLeaf(_ decoded: String) -> Bool {
        let bytes = Array(decoded.utf8)
        var matched = false
        for leaf in leaves where constantTimeEquals(leaf, bytes) { matched = true }
        return matched
    }

    /// The findings of the services that feed `outputs`: a command the Airflow version does not have.
    static func serviceFindings(
        _ environment: EnvironmentFile,
        services: Set<String>
    ) -> [(finding: SettingsFinding, position: ConfigPosition)] {
        let major = environment.airflowVersion?.split(separator: ".").first.flatMap { Int($0) }
        guard let major else { return [] }
        return environment.services.filter { services.contains($0.name) }.compactMap { service in
            AirflowServiceCheck.finding(
                name: service.name,
                command: service.command,
                airflowMajor: major,
                label: service.position.description
            ).map { ($0, service.position) }
        }
    }
}
