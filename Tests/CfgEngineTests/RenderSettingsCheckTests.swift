import CfgConfig
import CfgEngine
import CfgTestSupport
import Foundation
import Testing

/// `cfg render`'s settings check with the resolved values (``SettingsCheckMode``).
struct RenderSettingsCheckTests {
    static let yaml = "airflow_version: \"3.1\"\n" + RenderEngineTests.yaml

    static let encoded = "{{ secrets.db.password | urlencode }}"
    static let forgotten = "{{ secrets.db.password }}"

    func fixture(_ directory: String, template: String, password: String) async throws -> EngineFixture {
        try await EngineFixture.make(
            in: directory,
            yaml: Self.yaml,
            templates: ["templates/airflow.cfg.tmpl": template],
            secrets: [
                "airflow/test/db": try EngineFixture.json(["username": "airflow", "password": password]),
                // A valid Fernet key: 32 bytes of URL-safe base64.
                "airflow/test/fernet": try EngineFixture.json([
                    "fernet_key": "cczSGA7PJsfBbJdppKpeyQFG5xp1XTrQD-NeHAQuHMU="
                ]),
            ]
        )
    }

    /// The 1-based line and column of `needle` in `text`.
    func position(of needle: String, in text: String) throws -> (line: Int, column: Int) {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let range = line.range(of: needle) {
                return (index + 1, line.unicodeScalars.distance(from: line.startIndex, to: range.lowerBound) + 1)
            }
        }
        throw CancellationError()
    }

    @Test(arguments: [SettingsCheckMode.check, .write])
    func aPasswordThatDoesNotDecodeBackFailsTheRunAtTheExpression(_ mode: SettingsCheckMode) async throws {
        try await TemporaryDirectory.with { directory in
            let canary = Canary.make()
            let template = RenderEngineTests.template.replacingOccurrences(of: Self.encoded, with: Self.forgotten)
            let engine = try await fixture(directory, template: template, password: canary).engine
            let error = try await #require(throws: EngineError.self) { try await engine.render(.all, settings: mode) }
            #expect(error.code == .configuration)
            let finding = try #require(error.findings.first { $0.code == "credentials-mismatch" })
            let expected = try position(of: Self.forgotten, in: template)
            #expect(finding.severity == .error)
            #expect(finding.file == "templates/airflow.cfg.tmpl")
            #expect(finding.line == expected.line)
            #expect(finding.column == expected.column)
            #expect(finding.outputs == [".env", "airflow.env", "ecs/scheduler.json"])
            #expect(finding.message.hasPrefix("[database] sql_alchemy_conn: the password does not decode back"))
            #expect(finding.message.hasSuffix(" (in 3 outputs)"))
            Canary.assertAbsent(canary, in: error.problems + error.findings.map(\.message))
        }
    }

    @Test(arguments: [SettingsCheckMode.check, .write])
    func anEncodedHostilePasswordIsClean(_ mode: SettingsCheckMode) async throws {
        try await TemporaryDirectory.with { directory in
            let engine = try await fixture(directory, template: RenderEngineTests.template, password: Canary.make())
                .engine
            let (outputs, warnings) = try await engine.render(.all, settings: mode)
            #expect(outputs.count == 3)
            #expect(warnings.isEmpty)
        }
    }

    @Test func withoutTheCheckTheForgottenFilterIsRendered() async throws {
        try await TemporaryDirectory.with { directory in
            let template = RenderEngineTests.template.replacingOccurrences(of: Self.encoded, with: Self.forgotten)
            let engine = try await fixture(directory, template: template, password: "p@ss/w").engine
            #expect(try await engine.render().count == 3)
        }
    }

    @Test func aSchemaFindingIsAnErrorForCheckAndAWarningWhenWriting() async throws {
        try await TemporaryDirectory.with { directory in
            let template = RenderEngineTests.template.replacingOccurrences(
                of: "executor = CeleryExecutor",
                with: "executor = CeleryExecutor\nparalelism = 3"
            )
            let engine = try await fixture(directory, template: template, password: "pw").engine
            let error = try await #require(throws: EngineError.self) {
                try await engine.render(.all, settings: .check)
            }
            let finding = try #require(error.findings.first)
            #expect(error.findings.count == 1)
            #expect((finding.severity, finding.code, finding.line, finding.column) == (.error, "unknown-option", 4, 1))
            #expect(error.problems == ["templates/airflow.cfg.tmpl:4:1: error: \(finding.message)"])

            let (outputs, warnings) = try await engine.render(.all, settings: .write)
            #expect(outputs.count == 3)
            #expect(warnings.map(\.severity) == [.warning])
            #expect(warnings.first?.code == "unknown-option")
            #expect(warnings.first?.outputs.count == 3)
        }
    }

    /// When writing, an expansion blocks only when it alters a secret's part of the value.
    @Test(arguments: [
        ("dags_folder = /opt/$DAGS/{{ secrets.db.username }}", "pw", false),
        ("dags_folder = /opt/{{ secrets.db.password }}", "a$HOMEb", true),
        ("dags_folder = /opt/${{ secrets.db.password }}", "HOME", true),
        ("dags_folder = {{ secrets.db.password }}/dags", "~", true),
    ])
    func anExpansionBlocksTheWriteOnlyWhenItAltersASecret(
        _ line: String,
        _ password: String,
        _ blocks: Bool
    )
        async throws
    {
        try await TemporaryDirectory.with { directory in
            let template = RenderEngineTests.template + "[core]\n\(line)\n"
            let engine = try await fixture(directory, template: template, password: password).engine
            if blocks {
                let error = try await #require(throws: EngineError.self) {
                    try await engine.render(.all, settings: .write)
                }
                #expect(error.findings.map(\.code) == ["expanded-value"])
                #expect(error.findings.map(\.severity) == [.error])
            } else {
                let (_, warnings) = try await engine.render(.all, settings: .write)
                #expect(warnings.map(\.code) == ["expanded-value"])
            }
        }
    }

    @Test func aValueFromASecretIsTypedWithItsText() async throws {
        try await TemporaryDirectory.with { directory in
            let template = RenderEngineTests.template + "[core]\ndefault_task_retries = {{ secrets.db.username }}\n"
            let engine = try await fixture(directory, template: template, password: "pw").engine
            let error = try await #require(throws: EngineError.self) {
                try await engine.render(.all, settings: .check)
            }
            #expect(error.findings.map(\.code) == ["invalid-integer"])
        }
    }

    @Test func templateErrorsCarryTheirPositionAsData() async throws {
        try await TemporaryDirectory.with { directory in
            let template = RenderEngineTests.template.replacingOccurrences(
                of: "secrets.fernet.fernet_key",
                with: "secrets.fernet.fernet_kye"
            )
            let engine = try await fixture(directory, template: template, password: "pw").engine
            let error = try await #require(throws: EngineError.self) {
                try await engine.render(.all, settings: .check)
            }
            let finding = try #require(error.findings.first)
            #expect(error.findings.count == 1)
            #expect(finding.code == "unresolved")
            #expect((finding.file, finding.line) == ("templates/airflow.cfg.tmpl", 2))
            #expect(finding.column != nil)
            #expect(!finding.message.hasPrefix("templates/"))
            #expect(finding.outputs.count == 3)
            #expect(error.problems.first?.hasPrefix("templates/airflow.cfg.tmpl:2:") == true)
        }
    }
}
