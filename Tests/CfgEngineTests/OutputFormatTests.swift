import CfgConfig
import CfgTestSupport
import Testing

@testable import CfgEngine

struct OutputFormatTests {
    static let yaml = """
        backend: { type: local }
        settings: [templates/common.tmpl]
        services:
          scheduler: { settings: [templates/scheduler.tmpl] }
          worker: {}
        ecs: { image: apache/airflow:3.1.3 }
        outputs:
          - { kind: env, path: airflow.env }
          - { kind: dotenv, path: scheduler.env, service: scheduler }
          - { kind: ecs-task-definition }
          - { kind: ecs-task-definition, service: worker, path: worker.json }
          - { kind: file, path: webserver_config.py, template: templates/webserver_config.py.tmpl }
        """

    /// Each output's jobs as (path, service, template paths).
    func jobs(_ directory: String) async throws -> [[String]] {
        let fixture = try await EngineFixture.make(in: directory, yaml: Self.yaml, templates: [:], secrets: [:])
        let environment = fixture.environment
        return try environment.outputs.flatMap { output in
            try output.kind.format.jobs(for: output, in: environment).map { job in
                [job.path, job.service?.name ?? "-"] + job.templates.map(\.path)
            }
        }
    }

    @Test func eachKindExpandsIntoItsFiles() async throws {
        try await TemporaryDirectory.with { directory in
            let jobs: [[String]] = try await jobs(directory)
            #expect(
                jobs == [
                    ["airflow.env", "-", "templates/common.tmpl"],
                    ["scheduler.env", "scheduler", "templates/common.tmpl", "templates/scheduler.tmpl"],
                    ["ecs/scheduler.json", "scheduler", "templates/common.tmpl", "templates/scheduler.tmpl"],
                    ["ecs/worker.json", "worker", "templates/common.tmpl"],
                    ["worker.json", "worker", "templates/common.tmpl"],
                    ["webserver_config.py", "-", "templates/webserver_config.py.tmpl"],
                ]
            )
        }
    }

    @Test(arguments: [
        (OutputConfig.Kind.env, "# c\nA=1\nB=x=y\n", [["A", "1"], ["B", "x=y"]]),
        (.dotenv, "A='1'\n", [["A", "'1'"]]),
        (.file, "a\nb", [["line 1", "a"], ["line 2", "b"]]),
        (
            .ecsTaskDefinition, #"{"family":"f","containerDefinitions":[{"environment":[{"name":"A","value":"1"}]}]}"#,
            [["environment.A", "1"], ["family", "f"]]
        ),
        (.ecsTaskDefinition, "not json", [["(document)", "not json"]]),
    ])
    func eachKindNamesItsDiffEntries(_ kind: OutputConfig.Kind, _ contents: String, _ expected: [[String]]) {
        #expect(kind.format.diffEntries(in: contents).map { [$0.0, $0.1] } == expected)
    }
}
