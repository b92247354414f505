import CfgEngine
import CfgTestSupport
import Foundation
import Logging
import Testing

/// `cfg check`'s engine: offline, every finding once, at its position.
@Suite struct EnvironmentCheckTests {
    static let canary = "CANARY-check-7Qx-literal"

    /// A project with one environment `name` (backend `backend`) and a settings template.
    static func project(
        _ directory: String,
        backend: String,
        template: String,
        services: String = "",
        generator: String = "{ password: { length: 20 } }",
        rotation: String = ""
    ) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory + "/environments", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: directory + "/templates", withIntermediateDirectories: true)
        let yaml = """
            airflow_version: "3.1"
            backend: \(backend)
            secrets:
              db:
                path: airflow/t/db
                keys:
                  password: { generate: \(generator) }
            settings: [templates/airflow.cfg.tmpl]
            services:
              scheduler: {}
            \(services)
            outputs:
              - { kind: env, path: airflow.env }
              - { kind: env, service: scheduler, path: scheduler.env }
              - { kind: dotenv, path: .env }
            \(rotation)

            """
        try yaml.write(toFile: directory + "/environments/t.yaml", atomically: true, encoding: .utf8)
        try template.write(toFile: directory + "/templates/airflow.cfg.tmpl", atomically: true, encoding: .utf8)
    }

    static func check(_ directory: String) async -> CheckReport {
        await EnvironmentCheck(processEnvironment: [:], logger: Logger(label: "test"))
            .check("t", projectDirectory: directory)
    }

    static let clean = """
        [core]
        parallelism = 32
        [database]
        sql_alchemy_conn = postgresql://airflow:{{ secrets.db.password | urlencode }}@db/airflow

        """

    @Test(arguments: [
        "{ type: vault, address: \"http://127.0.0.1:9\", mount: secret }",
        "{ type: aws, region: us-east-1, endpoint: \"http://127.0.0.1:9\" }",
        "{ type: local }",
    ])
    func aCleanEnvironmentChecksWithoutBackendCredentialsOrKey(backend: String) async throws {
        try await TemporaryDirectory.with { directory in
            try Self.project(directory, backend: backend, template: Self.clean)
            let report = await Self.check(directory)
            #expect(report.findings == [], "\(report.lines)")
            #expect(report.status == "valid")
        }
    }

    @Test func everyMistakeIsReportedOnceAtItsPosition() async throws {
        let template = """
            [core]
            paralelism = 32
            sql_alchemy_conn = postgresql://a:{{ secrets.db.password | urlencode }}@db/a
            parallelism = many
            fernet_key = \(Self.canary)
            [logging]
            base_log_folder = $HOME/logs

            """
        try await TemporaryDirectory.with { directory in
            try Self.project(
                directory,
                backend: "{ type: local }",
                template: template,
                services: "  webserver: {}"
            )
            let report = await Self.check(directory)
            let codes = report.findings.map(\.code)
            #expect(
                codes == [
                    "wrong-service-for-version", "unknown-option", "moved-option", "invalid-integer",
                    "sensitive-literal", "invalid-fernet-key", "expanded-value",
                ],
                "\(report.lines)"
            )
            let typo = try #require(report.findings.first { $0.code == "unknown-option" })
            #expect(typo.file == "templates/airflow.cfg.tmpl" && typo.line == 2 && typo.column == 1)
            #expect(typo.message.contains("did you mean [core] parallelism?"))
            // The template feeds three outputs (and the scheduler's settings): one finding, with the count.
            #expect(typo.message.hasSuffix("(in 3 outputs)"))
            #expect(report.status == "failed")
            #expect(!report.json.contains(Self.canary))
            #expect(!report.lines.joined().contains(Self.canary))
        }
    }

    @Test func templateMistakesAndUndeclaredSecretsAreFindings() async throws {
        try await TemporaryDirectory.with { directory in
            try Self.project(
                directory,
                backend: "{ type: local }",
                template: "[core]\nparallelism = {{ secrets.nosuch.key }}\n"
            )
            let report = await Self.check(directory)
            #expect(report.findings.count == 1, "\(report.lines)")
            let finding = try #require(report.findings.first)
            #expect(finding.message.contains("nosuch"))
            #expect(finding.file == "templates/airflow.cfg.tmpl" && finding.line == 2 && finding.column == 18)
            #expect(report.findings.first?.message.hasSuffix("(in 3 outputs)") == true)
        }
    }

    @Test func anUndeclaredKeyOrSecretIsFoundWithTheClosestDeclaredName() async throws {
        try await TemporaryDirectory.with { directory in
            try Self.project(
                directory,
                backend: "{ type: local }",
                template: "[core]\nexecutor = {{ secrets.db.passwrd }}\nhostname_callable = {{ secrets.dv.password }}\n"
            )
            let report = await Self.check(directory)
            #expect(report.findings.map(\.line) == [2, 3], "\(report.lines)")
            #expect(report.findings.first?.message.contains("(did you mean 'secrets.db.password'?)") == true)
            #expect(report.findings.last?.message.contains("(did you mean 'secrets.db'?)") == true)
        }
    }

    @Test func aSyntaxErrorInOneTemplateDoesNotHideTheOthersFindings() async throws {
        try await TemporaryDirectory.with { directory in
            try Self.project(
                directory,
                backend: "{ type: local }",
                template: "[core]\nparalelism = 8\n",
                services: "  worker:\n    settings: [templates/broken.cfg.tmpl]"
            )
            try "[core]\nexecutor = {{ 'x' | nofilter }}\n"
                .write(toFile: directory + "/templates/broken.cfg.tmpl", atomically: true, encoding: .utf8)
            let report = await Self.check(directory)
            #expect(report.findings.map(\.code) == ["configuration", "unknown-option"], "\(report.lines)")
            let syntax = try #require(report.findings.first)
            #expect(syntax.file == "templates/broken.cfg.tmpl" && syntax.line == 2)
        }
    }

    @Test func anEnvironmentFileErrorIsAFindingWithItsPosition() async throws {
        try await TemporaryDirectory.with { directory in
            try Self.project(directory, backend: "{ type: nosuch }", template: Self.clean)
            let report = await Self.check(directory)
            #expect(report.environment == "t")
            #expect(report.findings.count == 1)
            #expect(report.findings.first?.file != nil && report.findings.first?.line == 2)
        }
    }

    @Test func independentMistakesOfTheEnvironmentFileAreReportedTogether() async throws {
        try await TemporaryDirectory.with { directory in
            try Self.project(directory, backend: "{ type: nosuch }", template: Self.clean)
            let path = directory + "/environments/t.yaml"
            let yaml = try String(contentsOfFile: path, encoding: .utf8)
                .replacingOccurrences(of: "{ kind: dotenv, path: .env }", with: "{ kind: nosuch, path: .env }")
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            let report = await Self.check(directory)
            #expect(report.findings.map(\.line) == [2, 15], "\(report.lines)")
        }
    }

    @Test func warningsAloneAreNotFailures() async throws {
        try await TemporaryDirectory.with { directory in
            try Self.project(
                directory,
                backend: "{ type: local }",
                template: "[core]\nsql_alchemy_conn = postgresql://a:{{ secrets.db.password | urlencode }}@db/a\n"
            )
            let report = await Self.check(directory)
            #expect(report.findings.map(\.code) == ["moved-option"])
            #expect(report.status == "warnings" && !report.hasErrors && report.hasWarnings)
        }
    }

    /// A generated password, its template line, and what Airflow may expand in the setting (empty: no finding).
    struct Expansion: CustomTestStringConvertible, Sendable {
        var label: String
        var generator: String = "{ password: { length: 32, profile: strong } }"
        var line: String
        var rotation: String = ""
        var forms: [String]
        var testDescription: String { label }
    }

    static let expansions: [Expansion] = [
        Expansion(
            label: "strong, verbatim",
            line: "[api]\nsecret_key = {{ secrets.db.password }}",
            forms: ["$NAME", "${NAME}", "a leading ~"]
        ),
        Expansion(
            label: "strong, urlencoded inside a URI",
            line: "[database]\nsql_alchemy_conn = postgresql://a:{{ secrets.db.password | urlencode }}@db/a",
            forms: []
        ),
        Expansion(
            label: "strong, urlencoded at the start (urlencode keeps ~)",
            line: "[api]\nsecret_key = {{ secrets.db.password | urlencode }}",
            forms: ["a leading ~"]
        ),
        Expansion(
            label: "strong, after a prefix",
            line: "[api]\nsecret_key = k{{ secrets.db.password }}",
            forms: ["$NAME", "${NAME}"]
        ),
        Expansion(
            label: "exclude $~",
            generator: "{ password: { length: 32, profile: strong, exclude: \"$~\" } }",
            line: "[api]\nsecret_key = {{ secrets.db.password }}",
            forms: []
        ),
        Expansion(
            label: "exclude ~",
            generator: "{ password: { length: 32, exclude: \"~\" } }",
            line: "[api]\nsecret_key = {{ secrets.db.password }}",
            forms: ["$NAME", "${NAME}"]
        ),
        Expansion(
            label: "exclude $ and /",
            generator: "{ password: { length: 32, exclude: \"$/\" } }",
            line: "[api]\nsecret_key = {{ secrets.db.password }}",
            forms: ["a leading ~"]
        ),
        Expansion(
            label: "uri-safe",
            generator: "{ password: { length: 32, profile: uri-safe } }",
            line: "[api]\nsecret_key = {{ secrets.db.password }}",
            forms: []
        ),
        Expansion(
            label: "bytes",
            generator: "{ bytes: { length: 32, encoding: base64 } }",
            line: "[api]\nsecret_key = {{ secrets.db.password }}",
            forms: []
        ),
        Expansion(
            label: "a variable Airflow does not read",
            line: "[env]\nPGPASSWORD = {{ secrets.db.password }}",
            forms: []
        ),
        Expansion(
            label: "uri-safe, but rotated with a strong generator",
            generator: "{ password: { length: 32, profile: uri-safe } }",
            line: "[api]\nsecret_key = {{ secrets.db.password }}",
            rotation: "rotation:\n  db: { key: password, generator: password, every: 30d }",
            forms: ["$NAME", "${NAME}", "a leading ~"]
        ),
    ]

    @Test(arguments: expansions)
    func aGeneratedPasswordAirflowMayExpandIsFoundThroughTheTemplate(_ expansion: Expansion) async throws {
        try await TemporaryDirectory.with { directory in
            try Self.project(
                directory,
                backend: "{ type: local }",
                template: expansion.line + "\n",
                generator: expansion.generator,
                rotation: expansion.rotation
            )
            let report = await Self.check(directory)
            let found = report.findings.filter { $0.code == "expandable-secret" }
            #expect(report.findings.count == found.count, "\(report.lines)")
            guard !expansion.forms.isEmpty else {
                #expect(found.isEmpty, "\(report.lines)")
                return
            }
            let finding = try #require(found.first)
            #expect(found.count == 1 && finding.severity == .error)
            #expect(finding.file == "templates/airflow.cfg.tmpl" && finding.line == 2 && finding.column == 1)
            #expect(finding.message.contains("secrets.db.password"))
            #expect(finding.message.contains("can contain \(expansion.forms.joined(separator: " and ")), which"))
            #expect(
                finding.message.contains(
                    expansion.rotation.isEmpty ? "'secrets.db.keys.password.generate'" : "'rotation.db.generator'"
                )
            )
            // The probe never reaches a message.
            #expect(!report.lines.joined().contains("$0") && !report.json.contains("~/"))
        }
    }
}
