import Foundation
import Testing

@testable import CfgConfig

/// The project's settings templates (templates/*.cfg.tmpl) set only options Airflow knows, for the
/// `airflow_version` of every reference environment and for both Airflow lines.
@Suite struct AirflowReferenceTemplatesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func templates() throws -> [(name: String, text: String)] {
        let folder = root.appendingPathComponent("templates")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".cfg.tmpl") }.sorted()
        return try names.map { ($0, try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)) }
    }

    /// The settings a template sets for one Airflow major version: `[section]` and `key = value` lines outside
    /// `{# #}` comments, `[env]` skipped, `{% if environment.airflow_major >= N %}` / `else` / `endif` followed.
    /// A value with `{{ secrets.… }}` comes from a secret; another `{{ }}` is an expression.
    static func settings(_ text: String, name: String, major: Int) throws -> [CheckedSetting] {
        var body = text
        while let open = body.range(of: "{#"), let close = body.range(of: "#}", range: open.upperBound..<body.endIndex)
        {
            let newlines = body[open.lowerBound..<close.upperBound].filter { $0 == "\n" }
            body.replaceSubrange(open.lowerBound..<close.upperBound, with: String(newlines))
        }
        var result: [CheckedSetting] = []
        var section = ""
        var active: [Bool] = []
        for (index, rawLine) in body.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("{%") {
                let words = line.dropFirst(2).dropLast(2).split(separator: " ")
                switch words.first {
                case "if":
                    try #require(words.count == 4 && words[1] == "environment.airflow_major" && words[2] == ">=")
                    active.append(major >= (Int(words[3]) ?? .max))
                case "else": active[active.count - 1].toggle()
                case "endif": active.removeLast()
                default: Issue.record("\(name): a tag this test does not follow: \(line)")
                }
                continue
            }
            guard active.allSatisfy({ $0 }), !line.isEmpty, !line.hasPrefix("#") else { continue }
            if line.hasPrefix("[") {
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard section != "env", let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            let kind: CheckedSetting.Value =
                value.contains("{{ secrets.")
                ? .secret(text: nil) : value.contains("{{") ? .expression(nil) : .literal(value)
            result.append(CheckedSetting(section: section, option: key, value: kind, label: "\(name):\(index + 1)"))
        }
        return result
    }

    static func declaredVersions() throws -> [String] {
        let folder = root.appendingPathComponent("environments")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
            .compactMap { name in
                let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
                let line = text.split(separator: "\n").first { $0.hasPrefix("airflow_version:") }
                return line.map {
                    $0.dropFirst("airflow_version:".count).trimmingCharacters(in: .init(charactersIn: " \"'"))
                }
            }
    }

    @Test func everyReferenceEnvironmentDeclaresAVersionCfgChecks() throws {
        let versions = try Self.declaredVersions()
        #expect(versions.count == 3)
        for version in versions { #expect(SettingsCheck(airflowVersion: version) != nil, "\(version)") }
    }

    @Test(arguments: ["3.1", "3.3", "2.10"])
    func theTemplatesSetOnlyOptionsAirflowKnows(_ version: String) throws {
        let check = try #require(SettingsCheck(airflowVersion: version))
        let major = check.schema.major
        var count = 0
        for template in try Self.templates() {
            let settings = try Self.settings(template.text, name: template.name, major: major)
            count += settings.count
            let findings = check.check(settings)
            #expect(findings.isEmpty, "\(findings.map(\.description))")
        }
        #expect(count >= 12)
    }

    @Test func theDeclaredVersionsAreClean() throws {
        for version in try Self.declaredVersions() {
            let check = try #require(SettingsCheck(airflowVersion: version))
            for template in try Self.templates() {
                let settings = try Self.settings(template.text, name: template.name, major: check.schema.major)
                #expect(check.check(settings).isEmpty, "\(template.name) for \(version)")
            }
        }
    }
}
