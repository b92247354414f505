import CfgRender
import CfgTemplate
import Foundation
import Testing

@testable import CfgConfig

struct ECSTaskDefinitionRendererTests {
    static let origin = SecretOrigin(secret: "fernet", key: "fernet_key")
    static let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:airflow/prod/fernet-AbCdEf:fernet_key::"

    static func environment(_ ecs: ECSConfig = ECSConfig(image: "apache/airflow:3.1.0")) -> EnvironmentFile {
        let position = ConfigPosition(file: "environments/prod.yaml", line: 1, column: 1)
        return EnvironmentFile(
            name: "prod",
            file: "environments/prod.yaml",
            projectDirectory: ".",
            airflowVersion: "3.1",
            backend: .local(LocalBackendConfig()),
            secrets: [],
            values: [],
            settings: [],
            services: [ServiceConfig(name: "scheduler", command: ["airflow", "scheduler"], position: position)],
            ecs: ecs,
            outputs: [],
            rotation: []
        )
    }

    static func service(
        _ ecs: ECSServiceConfig = ECSServiceConfig(),
        command: [String] = ["airflow", "scheduler"]
    )
        -> ServiceConfig
    {
        ServiceConfig(
            name: "scheduler",
            command: command,
            ecs: ecs,
            position: ConfigPosition(file: "environments/prod.yaml", line: 9, column: 3)
        )
    }

    /// Plain, referable-secret and composed-secret settings.
    static func settings(includeComposed: Bool = true) throws -> [Setting] {
        var builder = TemplateBuilder()
        builder.literal("[core]\nexecutor = CeleryExecutor\nfernet_key = ")
        builder.expression("secrets.fernet.fernet_key", value: Canary.secret + "-fernet", secret: true, origin: origin)
        builder.literal("\n[logging]\nbase_log_folder = /opt/airflow/logs\n")
        if includeComposed {
            builder.literal("[database]\nsql_alchemy_conn = postgresql://airflow:")
            builder.expression("secrets.db.password | urlencode", value: Canary.secret + "%40", secret: true)
            builder.literal("@db/airflow\n")
        }
        return SettingsSet.merge([try SettingsParser.parse(builder.text)])
    }

    static func render(
        _ environment: EnvironmentFile = environment(),
        service: ServiceConfig = service(),
        settings: [Setting],
        references: [SecretOrigin: String] = [origin: arn]
    ) throws -> [String: Any] {
        let text = try ECSTaskDefinitionRenderer.render(
            service: service,
            environment: environment,
            settings: settings,
            deliveryReferences: references
        )
        #expect(!text.contains(Canary.secret))
        #expect(!text.contains("\\/"))
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func container(_ json: [String: Any]) throws -> [String: Any] {
        let containers = try #require(json["containerDefinitions"] as? [[String: Any]])
        return try #require(containers.first)
    }

    @Test func referableSecretUsesValueFromAndComposedSecretUsesTheEntrypoint() throws {
        let json = try Self.render(settings: try Self.settings())
        #expect(json["family"] as? String == "airflow-prod-scheduler")
        #expect(json["networkMode"] as? String == "awsvpc")
        #expect(json["requiresCompatibilities"] as? [String] == ["FARGATE"])
        #expect(json["cpu"] as? String == "1024")
        #expect(json["memory"] as? String == "2048")
        let container = try Self.container(json)
        #expect(container["name"] as? String == "scheduler")
        #expect(container["image"] as? String == "apache/airflow:3.1.0")
        #expect(container["essential"] as? Bool == true)
        // cfg exec resolves the values, then becomes the official image's own entrypoint, which runs the command.
        #expect(
            container["entryPoint"] as? [String] == [
                "cfg", "exec", "-C", "/opt/cfg", "prod", "--service", "scheduler", "--", "/usr/bin/dumb-init", "--",
                "/entrypoint",
            ]
        )
        #expect(container["command"] as? [String] == ["airflow", "scheduler"])
        let environment = try #require(container["environment"] as? [[String: String]])
        #expect(
            environment.map { $0["name"] } == [
                "AIRFLOW__CORE__EXECUTOR", "AIRFLOW__LOGGING__BASE_LOG_FOLDER", "CFG_TASK_DEFINITION_VARIABLES",
            ]
        )
        // The marker lists what the task definition carries (environment and secrets), never the composed value.
        #expect(
            environment.last?["value"]
                == "AIRFLOW__CORE__EXECUTOR,AIRFLOW__CORE__FERNET_KEY,AIRFLOW__LOGGING__BASE_LOG_FOLDER"
        )
        let secrets = try #require(container["secrets"] as? [[String: String]])
        #expect(secrets == [["name": "AIRFLOW__CORE__FERNET_KEY", "valueFrom": Self.arn]])
    }

    @Test func withoutComposedSecretsTheCommandIsNotPrefixed() throws {
        let json = try Self.render(settings: try Self.settings(includeComposed: false))
        #expect(try Self.container(json)["command"] as? [String] == ["airflow", "scheduler"])
        #expect(try Self.container(json)["entryPoint"] == nil)
    }

    @Test func secretWithoutReferenceUsesTheEntrypointWithCustomCfgPath() throws {
        let environment = Self.environment(
            ECSConfig(
                image: "img",
                cfgPath: "/usr/local/bin/cfg",
                projectDirectory: "/srv/airflow config",
                imageEntrypoint: ["/usr/bin/tini", "--"]
            )
        )
        let json = try Self.render(environment, settings: try Self.settings(includeComposed: false), references: [:])
        let container = try Self.container(json)
        #expect(
            container["entryPoint"] as? [String] == [
                "/usr/local/bin/cfg", "exec", "-C", "/srv/airflow config", "prod", "--service", "scheduler", "--",
                "/usr/bin/tini", "--",
            ]
        )
        #expect(container["secrets"] == nil)
    }

    /// ECS cannot deliver a file: a service with secret files (its own or the environment's) gets `cfg exec`, even
    /// when every setting could go by value or by reference, and even with the plaintext opt-in.
    @Test func secretFilesNeedTheEntrypointForm() throws {
        let position = ConfigPosition(file: "environments/prod.yaml", line: 12, column: 5)
        let file = FileDeclaration(
            name: "id_ed25519",
            source: .secret(name: "git", key: "private_key"),
            variables: [FileVariable(name: "GIT_SSH_KEY_FILE", position: position)],
            position: position,
            sourcePosition: position
        )
        let plainSettings = try Self.settings(includeComposed: false)
        var service = Self.service()
        service.files = [file]
        let own = try Self.container(Self.render(service: service, settings: plainSettings))
        #expect(
            (own["entryPoint"] as? [String])?.prefix(8) == [
                "cfg", "exec", "-C", "/opt/cfg", "prod", "--service", "scheduler", "--",
            ]
        )
        #expect((own["secrets"] as? [[String: String]])?.count == 1)

        var environment = Self.environment(ECSConfig(image: "img", insecurePlaintextSecrets: true))
        environment.files = [file]
        let shared = try Self.container(Self.render(environment, settings: plainSettings))
        #expect((shared["entryPoint"] as? [String])?.prefix(2) == ["cfg", "exec"])

        let none = try Self.container(Self.render(settings: plainSettings))
        #expect(none["command"] as? [String] == ["airflow", "scheduler"])
    }

    /// Without `cfg exec` there is nobody to read the marker: the task definition is as before.
    @Test func theMarkerComesOnlyWithTheEntrypointForm() throws {
        let json = try Self.render(settings: try Self.settings(includeComposed: false))
        let names = (try Self.container(json)["environment"] as? [[String: String]])?.map { $0["name"] }
        #expect(names == ["AIRFLOW__CORE__EXECUTOR", "AIRFLOW__LOGGING__BASE_LOG_FOLDER"])
    }

    @Test func aSettingNamedLikeTheMarkerIsRefused() throws {
        var builder = TemplateBuilder()
        builder.literal("[env]\nCFG_TASK_DEFINITION_VARIABLES = x\n")
        let settings = try SettingsParser.parse(builder.text)
        #expect(throws: RenderError(.invalidSetting, "")) { try Self.render(settings: settings) }
    }

    @Test func markerNamesRoundTripAndBadEntriesAreRefusedWithoutBeingShown() throws {
        #expect(TaskDefinitionVariables.value(["B", "A", "B", "_a"]) == "A,B,_a")
        #expect(try TaskDefinitionVariables.names(in: "A,B,_a") == ["A", "B", "_a"])
        #expect(try TaskDefinitionVariables.names(in: "") == [])
        for bad in ["A,", ",A", "A,\(Canary.secret)=x", "CFG_TASK_DEFINITION_VARIABLES", "A B"] {
            let error = #expect(throws: RenderError.self) { try TaskDefinitionVariables.names(in: bad) }
            #expect(error?.code == .invalidValue)
            #expect(error?.description.contains(Canary.secret) == false)
        }
    }

    @Test func plaintextOptInWritesSecretsIntoEnvironment() throws {
        let environment = Self.environment(ECSConfig(image: "img", insecurePlaintextSecrets: true))
        let text = try ECSTaskDefinitionRenderer.render(
            service: Self.service(),
            environment: environment,
            settings: try Self.settings(),
            deliveryReferences: [Self.origin: Self.arn]
        )
        #expect(text.contains(Canary.secret + "%40"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let container = try Self.container(json)
        #expect(container["command"] as? [String] == ["airflow", "scheduler"])
        let names = (container["environment"] as? [[String: String]])?.map { $0["name"] }
        #expect(names?.contains("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN") == true)
        // A referable secret still goes by reference.
        #expect((container["secrets"] as? [[String: String]])?.count == 1)
    }

    @Test func optionalMembersFromTheEnvironmentAndService() throws {
        let environment = Self.environment(
            ECSConfig(
                familyPrefix: "af",
                image: "default-image",
                executionRoleArn: "arn:aws:iam::123456789012:role/exec",
                taskRoleArn: "arn:aws:iam::123456789012:role/task",
                cpu: 512,
                memory: 1024,
                logGroup: "/ecs/airflow",
                logRegion: "eu-west-1"
            )
        )
        let service = Self.service(ECSServiceConfig(image: "svc-image", cpu: 2048, memory: 16384, ports: [8080]))
        let json = try Self.render(environment, service: service, settings: [])
        #expect(json["family"] as? String == "af-scheduler")
        #expect(json["cpu"] as? String == "2048")
        #expect(json["memory"] as? String == "16384")
        #expect(json["executionRoleArn"] as? String == "arn:aws:iam::123456789012:role/exec")
        #expect(json["taskRoleArn"] as? String == "arn:aws:iam::123456789012:role/task")
        let container = try Self.container(json)
        #expect(container["image"] as? String == "svc-image")
        let log = try #require(container["logConfiguration"] as? [String: Any])
        #expect(log["logDriver"] as? String == "awslogs")
        #expect(
            log["options"] as? [String: String] == [
                "awslogs-group": "/ecs/airflow", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "scheduler",
            ]
        )
        let ports = try #require(container["portMappings"] as? [[String: Any]])
        #expect(ports.first?["containerPort"] as? Int == 8080)
        #expect(ports.first?["protocol"] as? String == "tcp")
    }

    @Test func everyEmittedKeyExistsInTheRegisterTaskDefinitionShape() throws {
        let model = try ECSModel.load()
        let environment = Self.environment(
            ECSConfig(
                image: "img",
                executionRoleArn: "arn:aws:iam::1:role/e",
                taskRoleArn: "arn:aws:iam::1:role/t",
                logGroup: "/g",
                logRegion: "us-east-1"
            )
        )
        let service = Self.service(ECSServiceConfig(ports: [8080, 5555]))
        let json = try Self.render(environment, service: service, settings: try Self.settings())
        let problems = model.check(json, shape: "RegisterTaskDefinitionRequest", path: "$")
        #expect(problems == [])
        // The check itself must catch a foreign key.
        var broken = json
        broken["notAMember"] = "x"
        #expect(
            model.check(broken, shape: "RegisterTaskDefinitionRequest", path: "$") == ["$.notAMember: not a member"]
        )
    }

    @Test(arguments: [(256, 4096), (1024, 1024), (300, 1024), (4096, 31744), (8192, 18432)])
    func invalidFargateSizeIsAnError(_ cpu: Int, _ memory: Int) throws {
        let environment = Self.environment(ECSConfig(image: "img", cpu: cpu, memory: memory))
        #expect(throws: RenderError(.invalidTaskDefinition, "")) {
            try Self.render(environment, settings: [])
        }
    }

    @Test(arguments: [(256, 512), (512, 4096), (4096, 30720), (8192, 20480), (16384, 122880)])
    func validFargateSizesAreAccepted(_ cpu: Int, _ memory: Int) throws {
        let json = try Self.render(Self.environment(ECSConfig(image: "img", cpu: cpu, memory: memory)), settings: [])
        #expect(json["memory"] as? String == String(memory))
    }

    @Test func missingImageIsAnError() throws {
        #expect(throws: RenderError(.invalidTaskDefinition, "")) {
            try Self.render(Self.environment(ECSConfig()), settings: [])
        }
    }

    @Test func invalidFamilyIsAnError() throws {
        #expect(throws: RenderError(.ecsLimit, "")) {
            try Self.render(Self.environment(ECSConfig(familyPrefix: "bad prefix", image: "img")), settings: [])
        }
        let long = String(repeating: "a", count: 250)
        #expect(throws: RenderError(.ecsLimit, "")) {
            try Self.render(Self.environment(ECSConfig(familyPrefix: long, image: "img")), settings: [])
        }
    }

    @Test func entrypointFormWithoutCommandIsAnError() throws {
        #expect(throws: RenderError(.invalidTaskDefinition, "")) {
            try Self.render(service: Self.service(command: []), settings: try Self.settings(), references: [:])
        }
    }

    @Test func taskDefinitionOverTheSizeLimitIsAnError() throws {
        let big = String(repeating: "x", count: 70_000)
        let settings = [
            Setting.airflow(
                section: "core",
                key: "big",
                value: TemplateBuilder.literal(big),
                position: SourcePosition(file: "t", line: 1, column: 1)
            )
        ]
        #expect {
            try Self.render(settings: settings)
        } throws: { error in
            (error as? RenderError)?.code == .ecsLimit
                && (error as? RenderError)?.description.contains("65536") == true
        }
    }

    /// The limit applies to the compact JSON: a value that brings it to exactly 65,536 bytes passes, one byte more
    /// fails, and the message gives the size, never the value.
    @Test(arguments: [0, 1])
    func sizeLimitIsExactOnTheCompactForm(_ over: Int) throws {
        func settings(_ length: Int) -> [Setting] {
            [
                Setting.airflow(
                    section: "core",
                    key: "big",
                    value: TemplateBuilder.literal("y" + String(repeating: "x", count: length)),
                    position: SourcePosition(file: "t", line: 1, column: 1)
                )
            ]
        }
        let text = try ECSTaskDefinitionRenderer.render(
            service: Self.service(),
            environment: Self.environment(),
            settings: settings(0),
            deliveryReferences: [:]
        )
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        let compact = try JSONSerialization.data(
            withJSONObject: object,
            options: [.sortedKeys, .withoutEscapingSlashes]
        )
        let length = ECSTaskDefinitionRenderer.maximumBytes - compact.count + over
        let render = {
            try ECSTaskDefinitionRenderer.render(
                service: Self.service(),
                environment: Self.environment(),
                settings: settings(length),
                deliveryReferences: [:]
            )
        }
        if over == 0 {
            #expect(throws: Never.self) { _ = try render() }
        } else {
            let error = #expect(throws: RenderError(.ecsLimit, "")) { _ = try render() }
            #expect(error?.message.contains("\(ECSTaskDefinitionRenderer.maximumBytes + 1) bytes") == true)
            #expect(error?.message.contains("yxxx") == false)
        }
    }

    /// The compact size is counted on the pretty form: white space inside strings (and escaped quotes and
    /// backslashes before it) counts, the encoder's own does not.
    @Test(arguments: [
        "plain", "a b  c", #"quote " and \ and \" : ,"#, "tab\tnew\nline", "  { \"x\" : [1, 2] }  ", "é €",
    ])
    func compactSizeCountsWhiteSpaceOnlyInsideStrings(_ value: String) throws {
        let object: [String: Any] = ["a": [value, ["k k": value]], "b": 1, "c": [String: Int]()]
        let pretty = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        let compact = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        #expect(ECSTaskDefinitionRenderer.compactSize(ofPrettyJSON: pretty) == compact.count)
    }

    @Test func serviceNameOverTheNameLimitIsAnError() throws {
        var service = Self.service()
        service.name = String(repeating: "a", count: 256)
        #expect(throws: RenderError(.ecsLimit, "")) {
            try Self.render(service: service, settings: [])
        }
    }

    @Test func outputIsDeterministicAndSorted() throws {
        let first = try ECSTaskDefinitionRenderer.render(
            service: Self.service(),
            environment: Self.environment(),
            settings: try Self.settings(),
            deliveryReferences: [Self.origin: Self.arn]
        )
        let second = try ECSTaskDefinitionRenderer.render(
            service: Self.service(),
            environment: Self.environment(),
            settings: try Self.settings().reversed(),
            deliveryReferences: [Self.origin: Self.arn]
        )
        #expect(first == second)
        #expect(first.hasSuffix("}\n"))
        let keys = first.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys == keys.sorted())
    }
}

/// The botocore ECS API model, to check emitted keys and types against the API's shapes.
struct ECSModel {
    let shapes: [String: [String: Any]]

    static func load() throws -> ECSModel {
        let url = try VectorFiles.url("aws-models/ecs-service-2.json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return ECSModel(shapes: try #require(json["shapes"] as? [String: [String: Any]]))
    }

    /// Problems found, as `path: reason` lines; empty when the value fits the shape.
    func check(_ value: Any, shape name: String, path: String) -> [String] {
        guard let shape = shapes[name], let type = shape["type"] as? String else {
            return ["\(path): no shape \(name)"]
        }
        switch type {
        case "structure":
            guard let object = value as? [String: Any] else { return ["\(path): not an object"] }
            let members = shape["members"] as? [String: [String: Any]] ?? [:]
            var problems: [String] = []
            for required in shape["required"] as? [String] ?? [] where object[required] == nil {
                problems.append("\(path).\(required): required member missing")
            }
            for (key, child) in object.sorted(by: { $0.key < $1.key }) {
                guard let member = members[key], let target = member["shape"] as? String else {
                    problems.append("\(path).\(key): not a member")
                    continue
                }
                problems += check(child, shape: target, path: "\(path).\(key)")
            }
            return problems
        case "list":
            guard let array = value as? [Any] else { return ["\(path): not an array"] }
            guard let target = (shape["member"] as? [String: Any])?["shape"] as? String else { return [] }
            return array.enumerated().flatMap { check($1, shape: target, path: "\(path)[\($0)]") }
        case "map":
            guard let object = value as? [String: Any] else { return ["\(path): not a map"] }
            guard let target = (shape["value"] as? [String: Any])?["shape"] as? String else { return [] }
            return object.flatMap { check($1, shape: target, path: "\(path).\($0)") }
        case "string":
            if let allowed = shape["enum"] as? [String], let string = value as? String, !allowed.contains(string) {
                return ["\(path): \(string) not in enum"]
            }
            return value is String ? [] : ["\(path): not a string"]
        case "integer", "long":
            return value as? Int != nil ? [] : ["\(path): not an integer"]
        case "boolean":
            return value as? Bool != nil ? [] : ["\(path): not a boolean"]
        default:
            return []
        }
    }
}

/// The shared test vectors: `$CFG_SHARED_DIR/vectors` (set by `make test`), else `shared/vectors` in a parent
/// directory of the project (`../shared` beside the checkout).
enum VectorFiles {
    static func url(_ relative: String) throws -> URL {
        if let shared = ProcessInfo.processInfo.environment["CFG_SHARED_DIR"], !shared.isEmpty {
            let candidate = URL(fileURLWithPath: shared).appendingPathComponent("vectors").appendingPathComponent(
                relative
            )
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            throw VectorMissing(relative: relative)
        }
        var directory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("shared/vectors").appendingPathComponent(relative)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw VectorMissing(relative: relative)
    }

    struct VectorMissing: Error {
        var relative: String
    }
}
