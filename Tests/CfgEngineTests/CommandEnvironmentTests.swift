import CfgRender
import CfgTemplate
import Testing

@testable import CfgConfig
@testable import CfgEngine

/// The environment `cfg exec` hands to the command.
@Suite struct CommandEnvironmentTests {
    static let position = SourcePosition(file: "templates/airflow.cfg.tmpl", line: 3, column: 1)

    static func setting(_ variable: String, _ value: String) -> Setting {
        Setting(
            section: nil,
            key: variable,
            variable: variable,
            value: RenderedText(segments: [.literal(value, at: position)]),
            position: position
        )
    }

    static func names(_ environment: [(name: String, value: String)]) -> [String] { environment.map(\.name) }

    @Test func credentialsAreWithheldAndSettingsWin() throws {
        let inherited = [
            "PATH": "/usr/bin", "VAULT_TOKEN": "s.token", "CFG_LOCAL_KEY": "key", "AWS_SECRET_ACCESS_KEY": "k",
            "AIRFLOW__CORE__EXECUTOR": "SequentialExecutor", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/creds",
        ]
        let environment = try CommandEnvironment.build(
            settings: [Self.setting("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor"), Self.setting("B", "2")],
            inherited: inherited,
            withhold: CommandEnvironment.credentialVariables,
            pass: []
        )
        #expect(
            Self.names(environment) == [
                "AIRFLOW__CORE__EXECUTOR", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "B", "PATH",
            ]
        )
        #expect(environment.first { $0.name == "AIRFLOW__CORE__EXECUTOR" }?.value == "CeleryExecutor")
    }

    @Test func passKeepsANamedCredential() throws {
        let environment = try CommandEnvironment.build(
            settings: [],
            inherited: ["VAULT_TOKEN": "s.token", "BAO_TOKEN": "b"],
            withhold: CommandEnvironment.credentialVariables,
            pass: ["VAULT_TOKEN"]
        )
        #expect(Self.names(environment) == ["VAULT_TOKEN"])
    }

    @Test func appRoleVariablesAreCredentialsToo() {
        let vault = VaultBackendConfig(
            address: nil,
            mount: "secret",
            kvVersion: 2,
            namespace: nil,
            auth: .appRole(mount: "approle", roleID: .variable("ROLE"), secretID: .variable("SECRET")),
            tls: VaultTLSConfig(),
            timeoutSeconds: nil,
            maxRetries: nil
        )
        let environment = EnvironmentFile(
            name: "prod",
            file: "environments/prod.yaml",
            projectDirectory: "/p",
            airflowVersion: nil,
            backend: .vault(vault),
            secrets: [],
            values: [],
            settings: [],
            services: [],
            ecs: ECSConfig(),
            outputs: [],
            rotation: []
        )
        let names = CommandEnvironment.credentials(of: environment)
        #expect(names.isSuperset(of: ["ROLE", "SECRET", "VAULT_TOKEN", "CFG_LOCAL_KEY"]))
    }

    @Test func aNULOrABadNameIsRefusedNamingTheVariableNotTheValue() {
        let canary = "canary-\(UInt64.random(in: 0...UInt64.max))"
        let error = #expect(throws: EngineError.self) {
            _ = try CommandEnvironment.build(
                settings: [Self.setting("GOOD", "\(canary)\u{0}"), Self.setting("BAD-NAME", canary)],
                inherited: [:],
                withhold: [],
                pass: []
            )
        }
        #expect(error?.code == .validation)
        #expect(error?.problems.count == 2)
        let text = error?.problems.joined(separator: "\n") ?? ""
        #expect(text.contains("GOOD") && text.contains("BAD-NAME") && text.contains("airflow.cfg.tmpl:3:1"))
        #expect(!text.contains(canary))
    }

    @Test func theSizeCheckNamesTheLargestVariables() {
        let environment = [
            (name: "SMALL", value: "x"), (name: "LARGE", value: String(repeating: "y", count: 5000)),
            (name: "MEDIUM", value: String(repeating: "z", count: 900)),
        ]
        let error = #expect(throws: EngineError.self) {
            try CommandEnvironment.checkSize(environment, arguments: ["airflow", "scheduler"], argMax: 4096)
        }
        #expect(error?.code == .validation)
        let text = error?.problems.first ?? ""
        #expect(text.contains("LARGE (5007 bytes), MEDIUM (908 bytes), SMALL"))
        #expect(text.contains("limit of 4096 bytes"))
        #expect(!text.contains("yyyy"))
        #expect(throws: Never.self) {
            try CommandEnvironment.checkSize(environment, arguments: ["airflow", "scheduler"], argMax: 2_097_152)
        }
    }

    @Test func oneStringOverTheKernelsPerStringLimitIsRefused() {
        let environment = [(name: "HUGE", value: String(repeating: "a", count: CommandEnvironment.maxStringLength))]
        let error = #expect(throws: EngineError.self) {
            try CommandEnvironment.checkSize(environment, arguments: ["true"], argMax: 64 * 1024 * 1024)
        }
        #expect(error?.problems.first?.contains("HUGE") == true)
        #expect(error?.problems.first?.contains("as a file") == true)
    }
}
