import Foundation
import Testing

@testable import CfgConfig

struct EnvironmentFileLoaderTests {
    private static func parse(_ yaml: String, defaultName: String = "dev") throws(ConfigError) -> EnvironmentFile {
        try EnvironmentFileLoader.parse(
            yaml,
            file: "environments/dev.yaml",
            projectDirectory: "/project",
            defaultName: defaultName
        )
    }

    private static func position(_ line: Int, _ column: Int) -> ConfigPosition {
        ConfigPosition(file: "environments/dev.yaml", line: line, column: column)
    }

    // MARK: A complete file

    @Test func completeFileLoadsTopLevelFields() throws {
        let environment = try Self.parse(EnvironmentFixtures.complete)
        #expect(environment.name == "dev")
        #expect(environment.file == "environments/dev.yaml")
        #expect(environment.projectDirectory == "/project")
        #expect(environment.airflowVersion == "3.1")
        #expect(
            environment.backend
                == .local(LocalBackendConfig(store: ".cfg/dev.store", keyFile: "~/.config/cfg/keys/dev.key"))
        )
        #expect(
            environment.settings == [TemplateFile(path: "templates/airflow.cfg.tmpl", position: Self.position(31, 12))]
        )
    }

    @Test func completeFileLoadsSecretsInOrder() throws {
        let environment = try Self.parse(EnvironmentFixtures.complete)
        #expect(environment.secrets.map(\.name) == ["smtp", "db", "fernet", "token"])
        #expect(
            environment.secret(named: "smtp")
                == SecretDeclaration(name: "smtp", path: "airflow/dev/smtp", position: Self.position(8, 3))
        )
        let db = try #require(environment.secret(named: "db"))
        #expect(db.path == "airflow/dev/db")
        #expect(db.version == "3")
        #expect(db.position == Self.position(9, 3))
        let password = PasswordPolicy(length: 40, classes: [.lower, .upper, .digits, .symbols], exclude: "\"'\\")
        #expect(
            db.generation
                == .keys([
                    KeyGeneration(key: "engine", source: .value(.string("postgres"))),
                    KeyGeneration(key: "port", source: .value(.integer(5432))),
                    KeyGeneration(key: "password", source: .generate(.password(password))),
                ])
        )
        #expect(
            environment.secret(named: "fernet")?.generation
                == .keys([KeyGeneration(key: "fernet_key", source: .generate(.fernet))])
        )
        #expect(environment.secret(named: "token")?.generation == .whole(.bytes(length: 16, encoding: .base64url)))
    }

    @Test func completeFileLoadsValuesWithTheirTypes() throws {
        let environment = try Self.parse(EnvironmentFixtures.complete)
        #expect(
            environment.values == [
                ConfigMapEntry(key: "db_host", value: .string("postgres")),
                ConfigMapEntry(key: "db_port", value: .integer(5432)),
                ConfigMapEntry(key: "ratio", value: .double(0.5)),
                ConfigMapEntry(key: "debug", value: .bool(false)),
                ConfigMapEntry(key: "nothing", value: .null),
                ConfigMapEntry(key: "hosts", value: .list([.string("a"), .string("b")])),
                ConfigMapEntry(key: "nested", value: .map([ConfigMapEntry(key: "x", value: .string("1"))])),
            ]
        )
    }

    @Test func completeFileLoadsServicesWithDefaultCommands() throws {
        let environment = try Self.parse(EnvironmentFixtures.complete)
        #expect(environment.services.map(\.name) == ["scheduler", "api-server", "worker"])
        #expect(
            environment.service(named: "scheduler")
                == ServiceConfig(name: "scheduler", command: ["airflow", "scheduler"], position: Self.position(33, 3))
        )
        #expect(environment.service(named: "worker")?.command == ["airflow", "celery", "worker"])
        #expect(
            environment.service(named: "api-server")
                == ServiceConfig(
                    name: "api-server",
                    command: ["airflow", "api-server", "--port", "8080"],
                    settings: [TemplateFile(path: "templates/api-server.cfg.tmpl", position: Self.position(36, 15))],
                    ecs: ECSServiceConfig(image: "apache/airflow:3.1.3", cpu: 1024, memory: 2048, ports: [8080]),
                    position: Self.position(34, 3)
                )
        )
    }

    @Test func completeFileLoadsECSDefaults() throws {
        let environment = try Self.parse(EnvironmentFixtures.complete)
        #expect(
            environment.ecs
                == ECSConfig(
                    familyPrefix: "airflow-dev",
                    image: "apache/airflow:3.1.3",
                    executionRoleArn: "arn:aws:iam::123456789012:role/exec",
                    taskRoleArn: "arn:aws:iam::123456789012:role/task",
                    cpu: 512,
                    memory: 1024,
                    logGroup: "/ecs/airflow-dev",
                    logRegion: "us-east-1",
                    cfgPath: "/usr/local/bin/cfg",
                    insecurePlaintextSecrets: false
                )
        )
    }

    @Test func completeFileLoadsOutputsWithDefaultPaths() throws {
        let environment = try Self.parse(EnvironmentFixtures.complete)
        #expect(
            environment.outputs == [
                OutputConfig(kind: .env, path: "airflow.env", position: Self.position(51, 5)),
                OutputConfig(kind: .dotenv, path: ".env", service: "api-server", position: Self.position(52, 5)),
                OutputConfig(kind: .ecsTaskDefinition, path: "ecs/{service}.json", position: Self.position(53, 5)),
                OutputConfig(
                    kind: .ecsTaskDefinition,
                    path: "scheduler-task.json",
                    service: "scheduler",
                    position: Self.position(54, 5)
                ),
                OutputConfig(
                    kind: .file,
                    path: "webserver_config.py",
                    service: "api-server",
                    template: TemplateFile(path: "templates/webserver_config.py.tmpl", position: Self.position(55, 29)),
                    position: Self.position(55, 5)
                ),
            ]
        )
    }

    @Test func completeFileLoadsRotationWithDefaults() throws {
        let environment = try Self.parse(EnvironmentFixtures.complete)
        #expect(
            environment.rotation == [
                RotationPolicy(
                    secret: "fernet",
                    key: "fernet_key",
                    generator: .fernet,
                    every: 90 * 86_400,
                    keep: 2,
                    apply: .none,
                    position: Self.position(57, 3)
                ),
                RotationPolicy(
                    secret: "db",
                    key: "password",
                    generator: .password(.uriSafe(length: 32)),
                    every: 30 * 86_400,
                    keep: 1,
                    apply: .postgres(PostgresApply()),
                    position: Self.position(58, 3)
                ),
                RotationPolicy(
                    secret: "smtp",
                    key: "password",
                    generator: .password(PasswordPolicy()),
                    every: 180 * 86_400,
                    keep: 3,
                    apply: .command(CommandApply(apply: ["/usr/local/bin/set-smtp-password"])),
                    position: Self.position(59, 3)
                ),
                // No generator: the secret's own `generate` is used.
                RotationPolicy(
                    secret: "token",
                    key: nil,
                    generator: .bytes(length: 16, encoding: .base64url),
                    every: 604_800,
                    keep: 1,
                    apply: .redis(RedisApply()),
                    position: Self.position(60, 3)
                ),
            ]
        )
    }

    @Test func minimalFileGetsDefaults() throws {
        let environment = try Self.parse(EnvironmentFixtures.minimal, defaultName: "staging")
        #expect(environment.name == "staging")
        #expect(environment.airflowVersion == nil)
        #expect(environment.backend == .local(LocalBackendConfig()))
        #expect(environment.secrets.isEmpty && environment.values.isEmpty && environment.settings.isEmpty)
        #expect(environment.services.isEmpty && environment.outputs.isEmpty && environment.rotation.isEmpty)
        #expect(environment.ecs == ECSConfig())
    }

    @Test func vaultBackendGetsDefaultsAndParsesAuth() throws {
        let environment = try Self.parse(
            """
            backend:
              type: vault
              address: https://vault.example:8200
              auth: { method: kubernetes, role: airflow }
            """
        )
        #expect(
            environment.backend
                == .vault(
                    VaultBackendConfig(
                        address: "https://vault.example:8200",
                        auth: .jwt(
                            method: "kubernetes",
                            mount: "kubernetes",
                            role: "airflow",
                            tokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token"
                        )
                    )
                )
        )
    }

    @Test func vaultBackendReadsEveryField() throws {
        let environment = try Self.parse(
            """
            backend:
              type: vault
              mount: kv/airflow
              kv_version: 1
              namespace: team-a/
              timeout: 30s
              max_retries: 4
              auth: { method: approle, mount: ci-approle, role_id_file: /run/role, secret_id_env: CI_SECRET_ID }
              tls: { ca_cert: ca.pem, client_cert: c.pem, client_key: k.pem, server_name: vault.test }
            secrets:
              dbcreds: { path: database/creds/airflow, dynamic: true }
            """
        )
        #expect(
            environment.backend
                == .vault(
                    VaultBackendConfig(
                        mount: "kv/airflow",
                        kvVersion: 1,
                        namespace: "team-a/",
                        auth: .appRole(
                            mount: "ci-approle",
                            roleID: .file("/run/role"),
                            secretID: .variable("CI_SECRET_ID")
                        ),
                        tls: VaultTLSConfig(
                            caCert: "ca.pem",
                            clientCert: "c.pem",
                            clientKey: "k.pem",
                            serverName: "vault.test"
                        ),
                        timeoutSeconds: 30,
                        maxRetries: 4
                    )
                )
        )
        #expect(environment.secrets.first?.dynamic == true)
    }

    @Test func awsBackendReadsItsFields() throws {
        let environment = try Self.parse(
            "backend: { type: aws, region: us-east-1, profile: ops, endpoint: http://127.0.0.1:5000 }"
        )
        #expect(
            environment.backend
                == .aws(AWSBackendConfig(region: "us-east-1", profile: "ops", endpoint: "http://127.0.0.1:5000"))
        )
    }

    @Test func awsBackendReadsItsCreationFields() throws {
        let environment = try Self.parse(
            """
            backend:
              type: aws
              region: eu-west-1
              kms_key_id: alias/airflow-prod
              tags: { team: data-platform, cost-center: 4711, "app:name": airflow }
            """
        )
        #expect(
            environment.backend
                == .aws(
                    AWSBackendConfig(
                        region: "eu-west-1",
                        profile: nil,
                        endpoint: nil,
                        kmsKeyID: "alias/airflow-prod",
                        tags: [
                            .init("team", "data-platform"), .init("cost-center", "4711"), .init("app:name", "airflow"),
                        ]
                    )
                )
        )
    }

    static let awsCreationFailures: [Failure] = [
        Failure(
            label: "kms_key_id with a space",
            yaml: "backend:\n  type: aws\n  kms_key_id: alias/a b\n",
            code: .invalidValue,
            line: 3,
            column: 15
        ),
        Failure(
            label: "tags not a mapping",
            yaml: "backend:\n  type: aws\n  tags: [a, b]\n",
            code: .invalidValue,
            line: 3,
            column: 9
        ),
        Failure(
            label: "reserved tag key",
            yaml: "backend:\n  type: aws\n  tags:\n    team: a\n    aws:owner: me\n",
            code: .invalidValue,
            line: 5,
            column: 5
        ),
        Failure(
            label: "tag value with a forbidden character",
            yaml: "backend:\n  type: aws\n  tags:\n    team: \"a;b\"\n",
            code: .invalidValue,
            line: 4,
            column: 11
        ),
        Failure(
            label: "tag value that is a mapping",
            yaml: "backend:\n  type: aws\n  tags:\n    team: { a: b }\n",
            code: .invalidValue,
            line: 4,
            column: 11
        ),
        Failure(
            label: "unknown aws field",
            yaml: "backend:\n  type: aws\n  kms_key: x\n",
            code: .unknownField,
            line: 3,
            column: 3
        ),
    ]

    @Test(arguments: awsCreationFailures)
    func awsCreationFieldsFailWithCodeAndPosition(_ failure: Failure) {
        let error = #expect(throws: ConfigError(failure.code, "", at: nil)) { try Self.parse(failure.yaml) }
        #expect(error?.position == Self.position(failure.line, failure.column), "\(String(describing: error))")
    }

    @Test func servicesCanBeAListOfNames() throws {
        let environment = try Self.parse(
            EnvironmentFixtures.minimal + "services: [api-server, dag-processor, flower]\n"
        )
        #expect(
            environment.services.map(\.command) == [
                ["airflow", "api-server"], ["airflow", "dag-processor"], ["airflow", "celery", "flower"],
            ]
        )
        #expect(
            environment.services.map(\.position) == [Self.position(2, 12), Self.position(2, 24), Self.position(2, 39)]
        )
    }

    @Test func generatedKeyMayHaveAPrefix() throws {
        let yaml =
            EnvironmentFixtures.minimal + """
                secrets:
                  flower:
                    path: airflow/dev/flower
                    keys:
                      basic_auth: { generate: { password: { profile: uri-safe } }, prefix: "admin:" }
                """
        let environment = try Self.parse(yaml)
        let expected = KeyGeneration(
            key: "basic_auth",
            source: .generate(.password(.uriSafe(length: 32))),
            prefix: "admin:"
        )
        #expect(environment.secret(named: "flower")?.generation == .keys([expected]))
    }

    @Test func aKeyWithNeitherValueNorGeneratorIsSetByCfgSet() throws {
        let yaml =
            EnvironmentFixtures.minimal + """
                secrets:
                  slack:
                    path: airflow/dev/slack
                    keys:
                      channel: { value: "#alerts" }
                      webhook_url: {}
                """
        let environment = try Self.parse(yaml)
        let expected = [
            KeyGeneration(key: "channel", source: .value(.string("#alerts"))),
            KeyGeneration(key: "webhook_url", source: .unset),
        ]
        #expect(environment.secret(named: "slack")?.generation == .keys(expected))
    }

    @Test func perServiceECSOutputPathsMayNotCollide() throws {
        let yaml =
            EnvironmentFixtures.minimal + """
                services: [scheduler]
                outputs:
                  - { kind: ecs-task-definition }
                  - { kind: file, template: t.tmpl, path: ecs/scheduler.json }
                """
        let error = #expect(throws: ConfigError(.duplicate, "", at: nil)) { try Self.parse(yaml) }
        #expect(error?.position == Self.position(5, 43))
    }

    // MARK: Errors, with their exact position

    /// A file that must fail, the error's code, and where.
    struct Failure: Sendable, CustomTestStringConvertible {
        var label: String
        var yaml: String
        var code: ConfigError.Code
        var line: Int
        var column: Int
        var testDescription: String { label }
    }

    static let failures: [Failure] = [
        Failure(
            label: "unknown top-level field",
            yaml: "backend: { type: local }\nsevices: [scheduler]\n",
            code: .unknownField,
            line: 2,
            column: 1
        ),
        Failure(
            label: "unknown field in a secret",
            yaml: "backend: { type: local }\nsecrets:\n  db:\n    path: airflow/dev/db\n    pth: x\n",
            code: .unknownField,
            line: 5,
            column: 5
        ),
        Failure(
            label: "unknown field in an output",
            yaml: "backend: { type: local }\noutputs:\n  - kind: env\n    path: airflow.env\n    mode: \"0600\"\n",
            code: .unknownField,
            line: 5,
            column: 5
        ),
        Failure(
            label: "unknown field in a rotation",
            yaml:
                "backend: { type: local }\nsecrets: { f: a/b }\nrotation:\n  f: { generator: fernet, every: 90d, kep: 2 }\n",
            code: .unknownField,
            line: 4,
            column: 39
        ),
        Failure(
            label: "unknown field in the backend",
            yaml: "backend:\n  type: local\n  region: us-east-1\n",
            code: .unknownField,
            line: 3,
            column: 3
        ),
        Failure(
            label: "bad indentation",
            yaml: "backend:\n  type: local\n   store: x\n",
            code: .malformedYAML,
            line: 3,
            column: 9
        ),
        Failure(
            label: "unclosed quote",
            yaml: "backend: { type: local }\nvalues:\n  x: \"abc\nname: dev\n",
            code: .malformedYAML,
            line: 5,
            column: 1
        ),
        Failure(
            label: "tab indentation",
            yaml: "backend:\n\ttype: local\n",
            code: .malformedYAML,
            line: 2,
            column: 1
        ),
        Failure(
            label: "two documents",
            yaml: "backend: { type: local }\n---\nname: x\n",
            code: .malformedYAML,
            line: 2,
            column: 1
        ),
        Failure(
            label: "duplicate key",
            yaml: "backend: { type: local }\nsecrets:\n  db: a/b\n  smtp: a/c\n  db: a/d\n",
            code: .duplicate,
            line: 5,
            column: 3
        ),
        Failure(
            label: "missing backend",
            yaml: "# dev\nname: dev\nsecrets: {}\n",
            code: .missingField,
            line: 2,
            column: 1
        ),
        Failure(
            label: "missing backend type",
            yaml: "backend:\n  store: x\n",
            code: .missingField,
            line: 2,
            column: 3
        ),
        Failure(
            label: "backend type not a known word",
            yaml: "backend:\n  type: consul\n",
            code: .invalidValue,
            line: 2,
            column: 9
        ),
        Failure(
            label: "vault kv_version 3",
            yaml: "backend: { type: vault, kv_version: 3 }\n",
            code: .invalidValue,
            line: 1,
            column: 37
        ),
        Failure(
            label: "vault auth method unknown",
            yaml: "backend: { type: vault, auth: { method: ldap } }\n",
            code: .invalidValue,
            line: 1,
            column: 41
        ),
        Failure(
            label: "vault approle secret_id written in the file",
            yaml: "backend: { type: vault, auth: { method: approle, role_id: r, secret_id: s } }\n",
            code: .unknownField,
            line: 1,
            column: 62
        ),
        Failure(
            label: "vault approle without role_id",
            yaml: "backend:\n  type: vault\n  auth:\n    method: approle\n    secret_id_file: /s\n",
            code: .missingField,
            line: 4,
            column: 5
        ),
        Failure(
            label: "vault approle role_id twice",
            yaml: "backend: { type: vault, auth: { method: approle, role_id: r, role_id_file: /f } }\n",
            code: .invalidValue,
            line: 1,
            column: 62
        ),
        Failure(
            label: "vault jwt without token_file",
            yaml: "backend:\n  type: vault\n  auth:\n    method: jwt\n    role: airflow\n",
            code: .missingField,
            line: 4,
            column: 5
        ),
        Failure(
            label: "vault client cert without key",
            yaml: "backend:\n  type: vault\n  tls:\n    client_cert: c.pem\n",
            code: .missingField,
            line: 4,
            column: 5
        ),
        Failure(
            label: "vault mount with a dot-dot segment",
            yaml: "backend: { type: vault, mount: secret/../sys }\n",
            code: .invalidValue,
            line: 1,
            column: 32
        ),
        Failure(
            label: "dynamic secret with a version",
            yaml: "backend: { type: vault }\nsecrets:\n  c: { path: database/creds/x, dynamic: true, version: 2 }\n",
            code: .invalidValue,
            line: 3,
            column: 47
        ),
        Failure(
            label: "long-form secret without path",
            yaml: "backend: { type: local }\nsecrets:\n  db:\n    version: 2\n",
            code: .missingField,
            line: 4,
            column: 5
        ),
        Failure(
            label: "secret name not an identifier",
            yaml: "backend: { type: local }\nsecrets:\n  my-db: a/b\n",
            code: .invalidValue,
            line: 3,
            column: 3
        ),
        Failure(
            label: "keys and generate together",
            yaml: "backend: { type: local }\nsecrets:\n  t: { path: a, keys: { k: { value: 1 } }, generate: hex }\n",
            code: .invalidValue,
            line: 3,
            column: 44
        ),
        Failure(
            label: "prefix without a generator",
            yaml: "backend: { type: local }\nsecrets:\n  t: { path: a, keys: { k: { prefix: x } } }\n",
            code: .missingField,
            line: 3,
            column: 30
        ),
        Failure(
            label: "prefix on a fixed value",
            yaml: "backend: { type: local }\nsecrets:\n  t: { path: a, keys: { k: { value: 1, prefix: x } } }\n",
            code: .invalidValue,
            line: 3,
            column: 48
        ),
        Failure(
            label: "unknown generator word",
            yaml: "backend: { type: local }\nsecrets:\n  t: { path: a, generate: sha256 }\n",
            code: .invalidValue,
            line: 3,
            column: 27
        ),
        Failure(
            label: "password too short",
            yaml: "backend: { type: local }\nsecrets:\n  t: { path: a, generate: { password: { length: 4 } } }\n",
            code: .invalidValue,
            line: 3,
            column: 49
        ),
        Failure(
            label: "unknown service without command",
            yaml: "backend: { type: local }\nservices:\n  - scheduler\n  - sidecar\n",
            code: .missingField,
            line: 4,
            column: 5
        ),
        Failure(
            label: "duplicate service in a list",
            yaml: "backend: { type: local }\nservices: [scheduler, scheduler]\n",
            code: .duplicate,
            line: 2,
            column: 23
        ),
        Failure(
            label: "output path with ..",
            yaml: "backend: { type: local }\noutputs:\n  - { kind: env, path: ../airflow.env }\n",
            code: .invalidValue,
            line: 3,
            column: 24
        ),
        Failure(
            label: "absolute output path",
            yaml: "backend: { type: local }\noutputs:\n  - kind: env\n    path: /etc/airflow.env\n",
            code: .invalidValue,
            line: 4,
            column: 11
        ),
        Failure(
            label: "output without path",
            yaml: "backend: { type: local }\noutputs:\n  - kind: env\n",
            code: .missingField,
            line: 3,
            column: 5
        ),
        Failure(
            label: "file output without template",
            yaml: "backend: { type: local }\noutputs:\n  - { kind: file, path: x.py }\n",
            code: .missingField,
            line: 3,
            column: 5
        ),
        Failure(
            label: "per-service ECS path without {service}",
            yaml: "backend: { type: local }\noutputs:\n  - { kind: ecs-task-definition, path: task.json }\n",
            code: .invalidValue,
            line: 3,
            column: 40
        ),
        Failure(
            label: "unknown service in an output",
            yaml:
                "backend: { type: local }\nservices: [scheduler]\noutputs:\n  - { kind: env, path: a.env, service: worker }\n",
            code: .unknownReference,
            line: 4,
            column: 40
        ),
        Failure(
            label: "two outputs with one path",
            yaml:
                "backend: { type: local }\noutputs:\n  - { kind: env, path: a.env }\n  - { kind: dotenv, path: ./a.env }\n",
            code: .duplicate,
            line: 4,
            column: 27
        ),
        Failure(
            label: "rotation for an undeclared secret",
            yaml:
                "backend: { type: local }\nsecrets: { db: a/b }\nrotation:\n  fernet: { generator: fernet, every: 90d }\n",
            code: .unknownReference,
            line: 4,
            column: 3
        ),
        Failure(
            label: "bad duration",
            yaml:
                "backend: { type: local }\nsecrets: { db: a/b }\nrotation:\n  db: { generator: password, every: 90x }\n",
            code: .invalidValue,
            line: 4,
            column: 37
        ),
        Failure(
            label: "rotation without every",
            yaml: "backend: { type: local }\nsecrets: { db: a/b }\nrotation:\n  db: { generator: password }\n",
            code: .missingField,
            line: 4,
            column: 7
        ),
        Failure(
            label: "rotation keep 0",
            yaml:
                "backend: { type: local }\nsecrets: { db: a/b }\nrotation:\n  db: { generator: hex, every: 1d, keep: 0 }\n",
            code: .invalidValue,
            line: 4,
            column: 42
        ),
        Failure(
            label: "alternate without roles",
            yaml:
                "backend: { type: local }\nsecrets: { db: a/b, pg: c/d }\nrotation:\n  db: { generator: hex, every: 1d, "
                + "apply: { postgres: { strategy: alternate, admin: pg } } }\n",
            code: .missingField,
            line: 4,
            column: 55
        ),
        Failure(
            label: "alternate admin not declared",
            yaml:
                "backend: { type: local }\nsecrets: { db: a/b }\nrotation:\n  db: { generator: hex, every: 1d, "
                + "apply: { postgres: { strategy: alternate, roles: [a, b], admin: pg } } }\n",
            code: .unknownReference,
            line: 4,
            column: 100
        ),
        Failure(
            label: "confirm without fernet",
            yaml:
                "backend: { type: local }\nsecrets: { db: a/b }\nrotation:\n  db: { generator: hex, every: 1d, "
                + "confirm: [true] }\n",
            code: .invalidValue,
            line: 4,
            column: 46
        ),
        Failure(
            label: "two appliers",
            yaml:
                "backend: { type: local }\nsecrets: { db: a/b }\nrotation:\n  db: { generator: hex, every: 1d, "
                + "apply: { redis: {}, command: [x] } }\n",
            code: .invalidValue,
            line: 4,
            column: 43
        ),
        Failure(
            label: "empty apply command",
            yaml:
                "backend: { type: local }\nsecrets: { db: a/b }\nrotation:\n  db: { generator: hex, every: 1d, apply: { command: [] } }\n",
            code: .invalidValue,
            line: 4,
            column: 54
        ),
        Failure(
            label: "ecs cpu not an integer",
            yaml: "backend: { type: local }\necs:\n  cpu: lots\n",
            code: .invalidValue,
            line: 3,
            column: 8
        ),
        Failure(
            label: "insecure_plaintext_secrets not a boolean",
            yaml: "backend: { type: local }\necs: { insecure_plaintext_secrets: 1 }\n",
            code: .invalidValue,
            line: 2,
            column: 36
        ),
        Failure(
            label: "invalid environment name",
            yaml: "name: -dev\nbackend: { type: local }\n",
            code: .invalidValue,
            line: 1,
            column: 7
        ),
        Failure(
            label: "environment is a list",
            yaml: "- backend\n",
            code: .invalidValue,
            line: 1,
            column: 1
        ),
    ]

    @Test(arguments: failures)
    func invalidFileFailsWithCodeAndPosition(_ failure: Failure) {
        let error = #expect(throws: ConfigError(failure.code, "", at: nil)) { try Self.parse(failure.yaml) }
        #expect(error?.position == Self.position(failure.line, failure.column))
        #expect(error?.description.contains("\n") == false)
    }

    @Test func unknownFieldMessageNamesTheFieldAndTheAllowedOnes() {
        let error = #expect(throws: ConfigError.self) {
            try Self.parse("backend: { type: local }\n\nsevices: [scheduler]\n")
        }
        #expect(
            error?.description
                == "environments/dev.yaml:3:1: unknown field 'sevices' in the environment: did you mean 'services'? "
                + "(expected one of: "
                + "airflow_version, backend, ecs, exec, files, name, outputs, rotation, run, secrets, services, settings, values)"
        )
    }

    @Test func nestedUnknownFieldMessageNamesWhereItIs() {
        let error = #expect(throws: ConfigError.self) {
            try Self.parse("backend: { type: local }\nsecrets:\n  db: { path: a, pth: b }\n")
        }
        #expect(
            error?.message
                == "unknown field 'pth' in 'secrets.db': did you mean 'path'? "
                + "(expected one of: dynamic, generate, keys, path, version)"
        )
    }

    @Test func escapingOutputPathSaysSo() {
        let error = #expect(throws: ConfigError.self) {
            try Self.parse("backend: { type: local }\noutputs: [{ kind: env, path: a/../../b }]\n")
        }
        #expect(error?.message.contains("output path escapes the output directory") == true)
    }

    // MARK: Secrets never reach messages

    static let canary = "CANARY-hunter2-Zx9"

    static let leakingFiles: [String] = [
        // An unclosed quote: Yams' own description would quote this line.
        "backend: { type: local }\nvalues:\n  password: \"\(canary)\n",
        // A stray colon inside a plain scalar.
        "backend: { type: local }\nvalues:\n  password: \(canary): x\n",
        // Bad indentation right after the secret.
        "backend: { type: local }\nvalues:\n  password: \(canary)\n    extra: 1\n",
        // A secret written where a number belongs.
        "backend: { type: local }\necs: { cpu: \(canary) }\n",
        // A secret written where a path belongs.
        "backend: { type: local }\nsecrets: { db: [\(canary)] }\n",
        // A secret written as a generator.
        "backend: { type: local }\nsecrets: { db: { path: a, generate: \(canary) } }\n",
        // A secret written as a duration.
        "backend: { type: local }\nsecrets: { db: a }\nrotation: { db: { generator: hex, every: \(canary) } }\n",
        // A secret written as an enum word.
        "backend: { type: \(canary) }\n",
    ]

    @Test(arguments: leakingFiles)
    func errorMessageNeverContainsValues(_ yaml: String) {
        let error = #expect(throws: ConfigError.self) { try Self.parse(yaml) }
        let description = error?.description ?? ""
        #expect(!description.isEmpty)
        #expect(!description.contains("hunter2"))
    }

    // MARK: Loading files

    /// A fresh project directory with `environments/dev.yaml`.
    private static func makeProject() throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("cfg-config-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(
            atPath: directory + "/environments",
            withIntermediateDirectories: true
        )
        try EnvironmentFixtures.minimal.write(
            toFile: directory + "/environments/dev.yaml",
            atomically: true,
            encoding: .utf8
        )
        try ("name: other\n" + EnvironmentFixtures.minimal)
            .write(toFile: directory + "/staging.yml", atomically: true, encoding: .utf8)
        return directory
    }

    @Test func loadsByName() throws {
        let project = try Self.makeProject()
        defer { try? FileManager.default.removeItem(atPath: project) }
        let environment = try EnvironmentFileLoader.load("dev", projectDirectory: project)
        #expect(environment.name == "dev")
        #expect(environment.file == "environments/dev.yaml")
        #expect(environment.projectDirectory == project)
    }

    @Test func loadsByPath() throws {
        let project = try Self.makeProject()
        defer { try? FileManager.default.removeItem(atPath: project) }
        let path = project + "/environments/dev.yaml"
        let environment = try EnvironmentFileLoader.load(path, projectDirectory: "/elsewhere")
        #expect(environment.name == "dev")
        #expect(environment.file == path)
        #expect(environment.projectDirectory == "/elsewhere")
        // The `name:` field wins over the file name.
        #expect(try EnvironmentFileLoader.load(project + "/staging.yml", projectDirectory: project).name == "other")
    }

    @Test func loadsRelativePathFromTheCurrentDirectory() throws {
        let project = try Self.makeProject()
        defer { try? FileManager.default.removeItem(atPath: project) }
        let current = FileManager.default.currentDirectoryPath
        let depth = current.split(separator: "/").count
        let relative = String(repeating: "../", count: depth) + project.drop { $0 == "/" } + "/environments/dev.yaml"
        #expect(try EnvironmentFileLoader.load(relative, projectDirectory: project).file == relative)
    }

    @Test(arguments: ["prod", "missing.yaml", "/nonexistent/dir/prod.yaml"])
    func missingFileIsFileNotFound(_ reference: String) throws {
        let project = try Self.makeProject()
        defer { try? FileManager.default.removeItem(atPath: project) }
        let error = #expect(throws: ConfigError(.fileNotFound, "", at: nil)) {
            try EnvironmentFileLoader.load(reference, projectDirectory: project)
        }
        #expect(error?.description.contains("prod") == true || reference == "missing.yaml")
    }

    @Test func errorsFromFilesCarryTheFileName() throws {
        let project = try Self.makeProject()
        defer { try? FileManager.default.removeItem(atPath: project) }
        try "backend: { type: local }\nsevices: []\n"
            .write(toFile: project + "/environments/bad.yaml", atomically: true, encoding: .utf8)
        let error = #expect(throws: ConfigError.self) {
            try EnvironmentFileLoader.load("bad", projectDirectory: project)
        }
        #expect(error?.description.hasPrefix("environments/bad.yaml:2:1: unknown field 'sevices'") == true)
    }
}

// MARK: Vault AWS IAM auth

extension EnvironmentFileLoaderTests {
    @Test func vaultAWSAuthGetsItsDefaults() throws {
        let environment = try Self.parse("backend: { type: vault, auth: { method: aws } }\n")
        #expect(
            environment.backend
                == .vault(VaultBackendConfig(auth: .aws(mount: "aws", role: nil, region: nil, serverID: nil)))
        )
    }

    @Test func vaultAWSAuthReadsEveryField() throws {
        let environment = try Self.parse(
            """
            backend:
              type: vault
              auth:
                method: aws
                mount: aws/prod
                role: airflow-scheduler
                region: eu-west-1
                server_id: vault.example.com
            """
        )
        #expect(
            environment.backend
                == .vault(
                    VaultBackendConfig(
                        auth: .aws(
                            mount: "aws/prod",
                            role: "airflow-scheduler",
                            region: "eu-west-1",
                            serverID: "vault.example.com"
                        )
                    )
                )
        )
        if case .vault(let config) = environment.backend { #expect(config.auth?.method == "aws") }
    }

    static let awsAuthFailures: [Failure] = [
        Failure(
            label: "vault aws auth with an unknown field",
            yaml: "backend:\n  type: vault\n  auth:\n    method: aws\n    role_id: r\n",
            code: .unknownField,
            line: 5,
            column: 5
        ),
        Failure(
            label: "vault aws auth with the AWS keys written in the file",
            yaml: "backend: { type: vault, auth: { method: aws, access_key: AKID } }\n",
            code: .unknownField,
            line: 1,
            column: 46
        ),
        Failure(
            label: "vault aws role is a list",
            yaml: "backend: { type: vault, auth: { method: aws, role: [a, b] } }\n",
            code: .invalidValue,
            line: 1,
            column: 52
        ),
        Failure(
            label: "vault aws server_id is empty",
            yaml: "backend: { type: vault, auth: { method: aws, server_id: \"\" } }\n",
            code: .invalidValue,
            line: 1,
            column: 57
        ),
        Failure(
            label: "vault aws region is a boolean",
            yaml: "backend: { type: vault, auth: { method: aws, region: true } }\n",
            code: .invalidValue,
            line: 1,
            column: 54
        ),
        Failure(
            label: "vault aws region is not a region name",
            yaml: "backend:\n  type: vault\n  auth:\n    method: aws\n    region: evil.example/x\n",
            code: .invalidValue,
            line: 5,
            column: 13
        ),
        Failure(
            label: "vault aws mount with a dot-dot segment",
            yaml: "backend: { type: vault, auth: { method: aws, mount: aws/../sys } }\n",
            code: .invalidValue,
            line: 1,
            column: 53
        ),
    ]

    @Test(arguments: awsAuthFailures)
    func invalidVaultAWSAuthFailsWithCodeAndPosition(_ failure: Failure) {
        let error = #expect(throws: ConfigError(failure.code, "", at: nil)) { try Self.parse(failure.yaml) }
        #expect(error?.position == Self.position(failure.line, failure.column))
        #expect(error?.description.contains("\n") == false)
    }

    @Test func vaultAWSUnknownFieldNamesTheAllowedOnes() {
        let error = #expect(throws: ConfigError.self) {
            try Self.parse("backend: { type: vault, auth: { method: aws, sts_region: x } }\n")
        }
        #expect(error?.message.contains("unknown field 'sts_region'") == true)
        #expect(error?.message.contains("method, mount, region, role, server_id") == true)
    }
}

extension EnvironmentFileLoaderTests {
    @Test func execPassListsVariableNames() throws {
        let environment = try Self.parse("backend: { type: local }\nexec: { pass: [VAULT_TOKEN, AWS_ACCESS_KEY_ID] }\n")
        #expect(environment.exec.pass == ["VAULT_TOKEN", "AWS_ACCESS_KEY_ID"])
        #expect(try Self.parse("backend: { type: local }\n").exec.pass.isEmpty)
    }

    @Test func execPassRefusesWhatIsNotAVariableName() {
        let error = #expect(throws: ConfigError.self) {
            try Self.parse("backend: { type: local }\nexec:\n  pass: [GOOD, 9bad]\n")
        }
        #expect(error?.position == Self.position(3, 16))
        let unknown = #expect(throws: ConfigError.self) {
            try Self.parse("backend: { type: local }\nexec: { keep: [X] }\n")
        }
        #expect(unknown?.description.contains("keep") == true)
    }
}

// MARK: Every problem together

extension EnvironmentFileLoaderTests {
    /// A file with independent mistakes, and each one's (line, column, code), in the order reported.
    struct Problems: CustomTestStringConvertible, Sendable {
        var label: String
        var yaml: String
        var expected: [(line: Int, column: Int, code: ConfigError.Code)]
        var testDescription: String { label }
    }

    static let severalProblems: [Problems] = [
        Problems(
            label: "an unknown top-level field does not stop the others",
            yaml: "sevices: [scheduler]\nbackend: { type: nosuch }\nsecrets: { db: { pth: x } }\n",
            expected: [(1, 1, .unknownField), (2, 18, .invalidValue), (3, 18, .unknownField)]
        ),
        Problems(
            label: "two unknown top-level fields",
            yaml: "backend: { type: local }\nsevices: []\noutput: []\n",
            expected: [(2, 1, .unknownField), (3, 1, .unknownField)]
        ),
        Problems(
            label: "two broken secrets, one sound",
            yaml: "backend: { type: local }\nsecrets:\n  a: { pth: x }\n  b: b/b\n  c: { path: c, version: [] }\n",
            expected: [(3, 8, .unknownField), (5, 26, .invalidValue)]
        ),
        Problems(
            label: "a broken secret does not hide a broken output or rotation",
            yaml: """
                backend: { type: local }
                secrets:
                  a: { pth: x }
                  f: a/f
                outputs:
                  - { kind: env, path: a.env, mode: x }
                  - { kind: nosuch, path: b.env }
                rotation:
                  a: { generator: fernet, every: 9d }
                  f: { generator: fernet, every: soon }

                """,
            expected: [(3, 8, .unknownField), (6, 31, .unknownField), (7, 13, .invalidValue), (10, 34, .invalidValue)]
        ),
        Problems(
            label: "two broken services; outputs wait for them",
            yaml: """
                backend: { type: local }
                services:
                  scheduler: { comand: [a] }
                  custom: {}
                outputs: [{ kind: nosuch }]

                """,
            expected: [(3, 16, .unknownField), (4, 3, .missingField)]
        ),
        Problems(
            label: "a duplicate output path and a broken output",
            yaml: "backend: { type: local }\noutputs:\n  - { kind: env, path: a }\n  - { kind: env, path: a }\n"
                + "  - { kind: env }\n",
            expected: [(4, 24, .duplicate), (5, 5, .missingField)]
        ),
        Problems(
            label: "references to a broken secret are not reported again",
            yaml: "backend: { type: local }\nsecrets: { a: { pth: x } }\nfiles: [{ name: x, secret: a }]\n"
                + "rotation: { a: { generator: fernet, every: 9d } }\n",
            expected: [(2, 17, .unknownField)]
        ),
    ]

    @Test(arguments: severalProblems)
    func independentProblemsAreReportedTogetherEachOnce(_ file: Problems) {
        var problems: [ConfigError] = []
        let environment = EnvironmentFileLoader.parse(
            file.yaml,
            file: "environments/dev.yaml",
            projectDirectory: "/project",
            defaultName: "dev",
            problems: &problems
        )
        #expect(environment?.name == nil)
        #expect(problems.map { $0.position?.line ?? 0 } == file.expected.map(\.line), "\(problems)")
        #expect(problems.map { $0.position?.column ?? 0 } == file.expected.map(\.column), "\(problems)")
        #expect(problems.map(\.code) == file.expected.map(\.code), "\(problems)")
        #expect(problems.allSatisfy { !$0.description.contains("\n") })
        // The throwing form reports the first of them.
        let first = #expect(throws: ConfigError.self) { try Self.parse(file.yaml) }
        #expect(first?.position == problems.first?.position)
    }

    @Test(arguments: [
        ("backend: { type: local }\nsevices: []\n", "did you mean 'services'?"),
        ("backend: { type: local }\nsecrets: { db: { pth: x } }\n", "did you mean 'path'?"),
        (
            "backend: { type: local }\nsecrets: { database: a }\nrotation: { databse: { generator: fernet, every: 9d } }\n",
            "did you mean 'database'?"
        ),
        (
            "backend: { type: local }\nsecrets: { admin: a, db: { path: d, keys: { password: {} } } }\n"
                + "rotation: { db: { key: pasword, generator: password, every: 9d } }\n",
            "did you mean 'password'?"
        ),
        (
            "backend: { type: local }\nsecrets: { admin: a, db: d }\n"
                + "rotation: { db: { generator: password, every: 9d, apply: { postgres: { admin: admn } } } }\n",
            "did you mean 'admin'?"
        ),
        (
            "backend: { type: local }\nsecrets: { token: a }\nfiles: [{ name: t, secret: tokn }]\n",
            "did you mean 'token'?"
        ),
        (
            "backend: { type: local }\nservices: [scheduler]\noutputs: [{ kind: env, path: a, service: shceduler }]\n",
            "did you mean 'scheduler'?"
        ),
    ])
    func unknownNamesSuggestTheClosestKnownOne(_ yaml: String, _ suggestion: String) {
        let error = #expect(throws: ConfigError.self) { try Self.parse(yaml) }
        #expect(error?.message.contains(suggestion) == true, "\(String(describing: error))")
    }

    @Test func aFarFetchedNameGetsNoSuggestion() {
        let error = #expect(throws: ConfigError.self) { try Self.parse("backend: { type: local }\nzzzzzzzz: 1\n") }
        #expect(error?.message.contains("did you mean") == false)
    }
}
