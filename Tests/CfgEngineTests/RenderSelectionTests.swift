import CfgConfig
import CfgEngine
import CfgTestSupport
import Foundation
import Logging
import Testing

/// `cfg render --service`, `--output` and `--out -`: which outputs a render keeps, what it fetches, and the
/// errors for names that select nothing.
struct RenderSelectionTests {
    static let yaml = """
        backend: { type: local }
        secrets:
          db: airflow/test/db
          flower: airflow/test/flower
        settings: [templates/airflow.cfg.tmpl]
        services:
          scheduler: {}
          flower: { settings: [templates/flower.cfg.tmpl] }
          worker: {}
        ecs: { image: apache/airflow:3.1.3 }
        outputs:
          - { kind: env, path: airflow.env }
          - { kind: env, service: flower, path: flower.env }
          - { kind: ecs-task-definition }
        """

    func fixture(_ directory: String, yaml: String = Self.yaml) async throws -> EngineFixture {
        try await EngineFixture.make(
            in: directory,
            yaml: yaml,
            templates: [
                "templates/airflow.cfg.tmpl": "[database]\nsql_alchemy_conn = {{ secrets.db.password }}\n",
                "templates/flower.cfg.tmpl": "[celery]\nflower_basic_auth = {{ secrets.flower.auth }}\n",
            ],
            secrets: [
                "airflow/test/db": try EngineFixture.json(["password": "p"]),
                "airflow/test/flower": try EngineFixture.json(["auth": "a"]),
            ]
        )
    }

    func paths(_ selection: RenderSelection, in directory: String) async throws -> [String] {
        try await fixture(directory).engine.render(selection).map(\.path)
    }

    @Test func everythingByDefault() async throws {
        try await TemporaryDirectory.with { directory in
            let everything = try await paths(.all, in: directory)
            #expect(
                everything == [
                    "airflow.env", "ecs/flower.json", "ecs/scheduler.json", "ecs/worker.json", "flower.env",
                ]
            )
        }
    }

    @Test func aServiceKeepsTheOutputsRenderedForIt() async throws {
        try await TemporaryDirectory.with { directory in
            let flower = try await paths(RenderSelection(service: "flower"), in: directory)
            #expect(flower == ["ecs/flower.json", "flower.env"])
        }
    }

    @Test func anOutputIsAPathOrADeclaredPath() async throws {
        try await TemporaryDirectory.with { directory in
            let engine = try await fixture(directory).engine
            let byPath = try await engine.render(RenderSelection(output: "flower.env")).map(\.path)
            #expect(byPath == ["flower.env"])
            let declared = try await engine.render(RenderSelection(output: "ecs/{service}.json")).map(\.path)
            #expect(declared == ["ecs/flower.json", "ecs/scheduler.json", "ecs/worker.json"])
            let both = try await engine.render(RenderSelection(service: "scheduler", output: "ecs/{service}.json"))
            #expect(both.map(\.path) == ["ecs/scheduler.json"])
        }
    }

    /// Only the selected outputs' secrets are fetched.
    @Test func aLimitedRenderFetchesOnlyItsSecrets() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await fixture(directory)
            let backend = FetchRecordingBackend(inner: fixture.backend)
            let engine = RenderEngine(
                environment: fixture.environment,
                backend: backend,
                processEnvironment: [:],
                logger: Logger(label: "test")
            )
            _ = try await engine.render(RenderSelection(output: "airflow.env"))
            #expect(backend.record.fetched == ["airflow/test/db"])
        }
    }

    @Test(
        arguments: [
            (RenderSelection(service: "schedular"), "No service named 'schedular' (did you mean 'scheduler'?)"),
            (RenderSelection(output: "airflow.evn"), "No output named 'airflow.evn' (did you mean 'airflow.env'?)"),
            (
                RenderSelection(service: "scheduler", output: "flower.env"),
                "Output 'flower.env' is not rendered for service 'scheduler'"
            ),
            (RenderSelection(single: true), "--out - writes one output to standard output, and 5 are selected"),
            (RenderSelection(service: "flower", single: true), "and 2 are selected"),
        ]
    )
    func aSelectionOfNothingIsAUsageError(_ selection: RenderSelection, _ message: String) async throws {
        try await TemporaryDirectory.with { directory in
            let engine = try await fixture(directory).engine
            let error = await #expect(throws: EngineError(.usage, "")) { try await engine.render(selection) }
            #expect(error?.description.hasPrefix(message) == true || error?.description.contains(message) == true)
        }
    }

    /// A service whose settings are only in environment-wide outputs has no outputs of its own.
    @Test func aServiceWithoutOutputsOfItsOwnIsAUsageError() async throws {
        try await TemporaryDirectory.with { directory in
            let yaml = Self.yaml.replacingOccurrences(of: "  - { kind: ecs-task-definition }", with: "")
            let engine = try await fixture(directory, yaml: yaml).engine
            let error = await #expect(throws: EngineError(.usage, "")) {
                try await engine.render(RenderSelection(service: "worker"))
            }
            #expect(error?.description.hasPrefix("No output is rendered for service 'worker' alone") == true)
        }
    }

    @Test func exactlyOneOutputIsSelectedForStandardOutput() async throws {
        try await TemporaryDirectory.with { directory in
            let selected6 = try await paths(RenderSelection(output: "flower.env", single: true), in: directory)
            #expect(selected6 == ["flower.env"])
        }
    }
}
