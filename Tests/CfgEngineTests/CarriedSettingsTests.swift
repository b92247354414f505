import CfgConfig
import CfgRender
import CfgTestSupport
import Foundation
import Logging
import Testing

@testable import CfgEngine

/// A process started by a task definition that lists the variables it sets (`CFG_TASK_DEFINITION_VARIABLES`): cfg
/// keeps their values, computes the rest, and fetches only the secrets the rest needs.
struct CarriedSettingsTests {
    static let canary = Canary.make()

    static let yaml = """
        backend: { type: local }
        secrets:
          db: airflow/test/db
          fernet: airflow/test/fernet
          smtp: airflow/test/smtp
        values: { executor: CeleryExecutor }
        settings: [templates/airflow.cfg.tmpl]
        exec: { secrets_dir: /dev/shm/cfg-carried-tests }
        services: [scheduler]
        """

    static let template = """
        [core]
        executor = {{ values.executor }}
        fernet_key = {{ secrets.fernet.key }}
        [database]
        sql_alchemy_conn = postgresql://u:{{ secrets.db.password | urlencode }}@h/db
        [smtp]
        smtp_host = {{ secrets.smtp.host }}

        """

    static let carried = ["AIRFLOW__CORE__EXECUTOR", "AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__SMTP__SMTP_HOST"]

    func withFixture(
        template: String = Self.template,
        _ body: (EngineFixture, FetchRecordingBackend) async throws -> Void
    ) async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await EngineFixture.make(
                in: directory,
                yaml: Self.yaml,
                templates: ["templates/airflow.cfg.tmpl": template],
                secrets: [
                    "airflow/test/db": try EngineFixture.json(["password": "p@ss \(Self.canary)"]),
                    "airflow/test/fernet": try EngineFixture.json(["key": "baked-fernet"]),
                    "airflow/test/smtp": try EngineFixture.json(["host": "smtp.example.com"]),
                ]
            )
            try await body(fixture, FetchRecordingBackend(inner: fixture.backend))
        }
    }

    func prepare(
        _ fixture: EngineFixture,
        _ backend: FetchRecordingBackend,
        environment: [String: String]
    ) async throws -> ServiceLaunch {
        try await ServiceLaunch.prepare(
            environment: fixture.environment,
            service: "scheduler",
            backend: backend,
            processEnvironment: environment,
            logger: Logger(label: "test"),
            arguments: ["true"],
            argMax: 2_097_152
        )
    }

    /// What ECS puts into the container for the task definition: its values, which may differ from the image's.
    static let ecsEnvironment = [
        "PATH": "/usr/bin",
        TaskDefinitionVariables.variable: TaskDefinitionVariables.value(carried),
        "AIRFLOW__CORE__EXECUTOR": "KubernetesExecutor",
        "AIRFLOW__CORE__FERNET_KEY": "from-ecs-valueFrom",
        "AIRFLOW__SMTP__SMTP_HOST": "smtp.changed.example.com",
    ]

    static func value(_ launch: ServiceLaunch, _ name: String) -> String? {
        launch.commandEnvironment.first { $0.name == name }?.value
    }

    @Test func carriedVariablesKeepTheTaskDefinitionsValuesAndOnlyTheRestIsFetched() async throws {
        try await withFixture { fixture, backend in
            let launch = try await prepare(fixture, backend, environment: Self.ecsEnvironment)
            #expect(backend.record.fetched == ["airflow/test/db"])
            #expect(Self.value(launch, "AIRFLOW__CORE__EXECUTOR") == "KubernetesExecutor")
            #expect(Self.value(launch, "AIRFLOW__CORE__FERNET_KEY") == "from-ecs-valueFrom")
            #expect(Self.value(launch, "AIRFLOW__SMTP__SMTP_HOST") == "smtp.changed.example.com")
            let unreserved = CharacterSet(
                charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
            )
            let password = try #require("p@ss \(Self.canary)".addingPercentEncoding(withAllowedCharacters: unreserved))
            let composed = "postgresql://u:\(password)@h/db"
            #expect(Self.value(launch, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN") == composed)
            // The marker is cfg's own: the command does not get it.
            #expect(Self.value(launch, TaskDefinitionVariables.variable) == nil)
        }
    }

    @Test func withoutTheMarkerEverySettingIsComputedAsBefore() async throws {
        try await withFixture { fixture, backend in
            var environment = Self.ecsEnvironment
            environment[TaskDefinitionVariables.variable] = nil
            let launch = try await prepare(fixture, backend, environment: environment)
            #expect(Set(backend.record.fetched) == ["airflow/test/db", "airflow/test/fernet", "airflow/test/smtp"])
            #expect(Self.value(launch, "AIRFLOW__CORE__EXECUTOR") == "CeleryExecutor")
            #expect(Self.value(launch, "AIRFLOW__CORE__FERNET_KEY") == "baked-fernet")
        }
    }

    @Test func whenEverythingIsCarriedNothingIsFetched() async throws {
        try await withFixture { fixture, backend in
            var environment = Self.ecsEnvironment
            let all = Self.carried + ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
            environment[TaskDefinitionVariables.variable] = TaskDefinitionVariables.value(all)
            environment["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = "sqlite://"
            let launch = try await prepare(fixture, backend, environment: environment)
            #expect(backend.record.fetched.isEmpty)
            #expect(Self.value(launch, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN") == "sqlite://")
        }
    }

    /// A condition on a carried secret decides which settings exist: that secret is fetched after all.
    @Test func aConditionOnACarriedSecretFetchesIt() async throws {
        let template = Self.template + "[env]\n{% if secrets.fernet.key %}HAS_FERNET = yes\n{% endif %}"
        try await withFixture(template: template) { fixture, backend in
            let launch = try await prepare(fixture, backend, environment: Self.ecsEnvironment)
            #expect(Set(backend.record.fetched) == ["airflow/test/db", "airflow/test/fernet"])
            #expect(Self.value(launch, "HAS_FERNET") == "yes")
            #expect(Self.value(launch, "AIRFLOW__CORE__FERNET_KEY") == "from-ecs-valueFrom")
        }
    }

    @Test func aListedVariableMissingFromTheEnvironmentIsAConfigurationErrorNamingIt() async throws {
        try await withFixture { fixture, backend in
            var environment = Self.ecsEnvironment
            environment["AIRFLOW__CORE__FERNET_KEY"] = nil
            let error = await #expect(throws: EngineError.self) {
                _ = try await prepare(fixture, backend, environment: environment)
            }
            #expect(error?.code == .configuration)
            #expect(error?.description.contains("AIRFLOW__CORE__FERNET_KEY") == true)
            #expect(backend.record.fetched.isEmpty)
        }
    }

    @Test(arguments: ["A,,B", "AIRFLOW__X=\(CarriedSettingsTests.canary)", " A"])
    func aMarkerThatIsNotAListOfNamesIsRefusedWithoutShowingIt(marker: String) throws {
        let error = #expect(throws: EngineError.self) {
            _ = try CommandEnvironment.carriedVariables(in: [TaskDefinitionVariables.variable: marker])
        }
        #expect(error?.code == .configuration)
        #expect(error?.description.contains(Self.canary) == false)
        #expect(try CommandEnvironment.carriedVariables(in: [:]) == nil)
    }
}
