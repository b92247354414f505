import CfgConfig
import CfgEngine
import CfgSecure
import CfgTestSupport
import Foundation
import Logging
import Testing

struct RenderEngineTests {
    static let yaml = """
        backend: { type: local }
        secrets:
          db: airflow/test/db
          fernet: airflow/test/fernet
        values:
          host: db.internal
        settings: [templates/airflow.cfg.tmpl]
        services: [scheduler]
        ecs: { image: apache/airflow:3.1.3 }
        outputs:
          - { kind: env, path: airflow.env }
          - { kind: dotenv, path: .env }
          - { kind: ecs-task-definition }
        """

    static let template = """
        [core]
        fernet_key = {{ secrets.fernet.fernet_key }}
        executor = CeleryExecutor
        [database]
        sql_alchemy_conn = postgresql://{{ secrets.db.username }}:{{ secrets.db.password | urlencode }}@{{ values.host }}/airflow

        """

    func fixture(_ directory: String, template: String = Self.template, password: String) async throws -> EngineFixture
    {
        try await EngineFixture.make(
            in: directory,
            yaml: Self.yaml,
            templates: ["templates/airflow.cfg.tmpl": template],
            secrets: [
                "airflow/test/db": try EngineFixture.json(["username": "airflow", "password": password]),
                "airflow/test/fernet": try EngineFixture.json(["fernet_key": "k"]),
            ]
        )
    }

    @Test func rendersTheEnvBlockWithEncodedPassword() async throws {
        try await TemporaryDirectory.with { directory in
            let outputs = try await fixture(directory, password: "p@ss:/w%rd#?&+ é").engine.render()
            let env = try #require(outputs.first { $0.path == "airflow.env" })
            #expect(
                env.contents == """
                    AIRFLOW__CORE__EXECUTOR=CeleryExecutor
                    AIRFLOW__CORE__FERNET_KEY=k
                    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=postgresql://airflow:p%40ss%3A%2Fw%25rd%23%3F%26%2B%20%C3%A9@db.internal/airflow

                    """
            )
            #expect(env.secretKeys == ["AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
            #expect(outputs.map(\.path) == [".env", "airflow.env", "ecs/scheduler.json"])
        }
    }

    @Test func taskDefinitionUsesTheEntrypointAndHoldsNoSecret() async throws {
        try await TemporaryDirectory.with { directory in
            let canary = Canary.make()
            let outputs = try await fixture(directory, password: canary).engine.render()
            let task = try #require(outputs.first { $0.kind == .ecsTaskDefinition })
            Canary.assertAbsent(canary, in: [task.contents])
            #expect(task.contents.contains("\"exec\""))
            #expect(task.contents.contains("AIRFLOW__CORE__EXECUTOR"))
            #expect(!task.contents.contains("AIRFLOW__CORE__FERNET_KEY"))
        }
    }

    @Test func reportsEveryUnresolvedReferenceWithItsPosition() async throws {
        try await TemporaryDirectory.with { directory in
            let canary = Canary.make()
            let broken = """
                [core]
                fernet_key = {{ secrets.fernet.fernet_kye }}
                dags_folder = {{ values.dags }}
                [database]
                sql_alchemy_conn = {{ secrets.db.password }}{{ secrets.nothing.x }}
                """
            let engine = try await fixture(directory, template: broken, password: canary).engine
            let error = try await #require(throws: EngineError.self) { try await engine.render() }
            #expect(error.code == .unresolved)
            #expect(error.problems.count == 3)
            #expect(error.problems[0].hasPrefix("templates/airflow.cfg.tmpl:2:"))
            #expect(
                error.problems.contains { $0.hasPrefix("templates/airflow.cfg.tmpl:3:") && $0.contains("values.dags") }
            )
            #expect(
                error.problems.contains {
                    $0.hasPrefix("templates/airflow.cfg.tmpl:5:") && $0.contains("secrets.nothing")
                }
            )
            Canary.assertAbsent(canary, in: error.problems + [error.description])
        }
    }

    /// Issue 11, defect 13: one mistake in a template that three outputs use printed three identical lines.
    @Test(arguments: [
        (
            "fernet_key = {{ secrets.fernet.fernet_key | nofilter }}", "unknown filter 'nofilter'",
            EngineError.Code.configuration
        ),
        ("fernet_key = {{ secrets.fernet.fernet_kye }}", "secrets.fernet.fernet_kye", .unresolved),
        ("fernet_key {{ secrets.db.password }}", "Expected", .validation),
    ])
    func eachProblemIsReportedOnceWithTheNumberOfOutputsItAffects(
        _ line: String,
        _ expected: String,
        _ code: EngineError.Code
    ) async throws {
        try await TemporaryDirectory.with { directory in
            let canary = Canary.make()
            let template = Self.template.replacingOccurrences(
                of: "fernet_key = {{ secrets.fernet.fernet_key }}",
                with: line
            )
            let engine = try await fixture(directory, template: template, password: canary).engine
            let error = try await #require(throws: EngineError.self) { try await engine.render() }
            #expect(error.code == code)
            #expect(error.problems.count == 1)
            #expect(error.problems.first?.hasPrefix("templates/airflow.cfg.tmpl:2:") == true)
            #expect(error.problems.first?.contains(expected) == true)
            #expect(error.problems.first?.hasSuffix(" (in 3 outputs)") == true)
            Canary.assertAbsent(canary, in: error.problems + [error.description])
        }
    }

    @Test func aMissingSecretIsReportedWhereItIsUsed() async throws {
        try await TemporaryDirectory.with { directory in
            var fixture = try await fixture(directory, password: "x")
            fixture.environment.secrets[1].path = "airflow/test/absent"
            let error = try await #require(throws: EngineError.self) { try await fixture.engine.render() }
            #expect(error.code == .unresolved)
            #expect(error.problems.count == 1)
            #expect(error.problems[0].hasPrefix("templates/airflow.cfg.tmpl:2:"))
            #expect(error.problems[0].contains("airflow/test/absent"))
        }
    }

    @Test func aNewlineInAnEnvBlockValueNamesTheVariable() async throws {
        try await TemporaryDirectory.with { directory in
            let canary = Canary.make() + "\nsecond line"
            let engine = try await fixture(directory, password: canary).engine
            // The password is urlencoded in the template; put it raw into a setting of its own.
            var template = Self.template
            template += "[env]\nRAW = {{ secrets.db.password }}\n"
            try template.write(toFile: directory + "/templates/airflow.cfg.tmpl", atomically: true, encoding: .utf8)
            let error = try await #require(throws: EngineError.self) { try await engine.render() }
            #expect(error.code == .validation)
            #expect(error.description.contains("RAW"))
            Canary.assertAbsent(canary, in: [error.description])
        }
    }

    @Test func aWrongStoreKeyIsABackendFailure() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await fixture(directory, password: "x")
            var processEnvironment = fixture.keyEnvironment
            processEnvironment["CFG_LOCAL_KEY"] = Base64Codec.encode(SecureRandom.bytes(count: 32), variant: .standard)
            let backend = try BackendFactory.make(for: fixture.environment, processEnvironment: processEnvironment)
            let engine = RenderEngine(
                environment: fixture.environment,
                backend: backend,
                processEnvironment: [:],
                logger: .init(label: "test")
            )
            let error = try await #require(throws: EngineError.self) { try await engine.render() }
            #expect(error.code == .backend)
            #expect(error.problems.count == 1)
        }
    }

    @Test func settingsOfAServiceFeedGet() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await fixture(directory, password: "pw")
            let lookup = ValueLookup(
                environment: fixture.environment,
                backend: fixture.backend,
                processEnvironment: [:],
                logger: .init(label: "test")
            )
            #expect(try await lookup.value(of: "AIRFLOW__CORE__EXECUTOR", service: "scheduler") == "CeleryExecutor")
            #expect(try await lookup.value(of: "db.password", service: nil) == "pw")
            #expect(try await lookup.value(of: "secrets.db.username", service: nil) == "airflow")
            let error = try await #require(throws: EngineError.self) {
                try await lookup.value(of: "db.nope", service: nil)
            }
            #expect(error.code == .unresolved)
        }
    }
}
