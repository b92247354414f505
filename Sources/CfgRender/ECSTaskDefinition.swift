/// The subset of ECS `RegisterTaskDefinitionRequest` that cfg writes (member names as in the API model).
///
/// Optional members are left out of the JSON when nil.
struct ECSTaskDefinition: Encodable, Sendable {
    var family: String
    var networkMode = "awsvpc"
    var requiresCompatibilities = ["FARGATE"]
    var cpu: String
    var memory: String
    var executionRoleArn: String?
    var taskRoleArn: String?
    var containerDefinitions: [ContainerDefinition]

    /// `ContainerDefinition`.
    struct ContainerDefinition: Encodable, Sendable {
        var name: String
        var image: String
        var essential = true
        var entryPoint: [String]?
        var command: [String]?
        var environment: [KeyValuePair]?
        var secrets: [Secret]?
        var logConfiguration: LogConfiguration?
        var portMappings: [PortMapping]?
    }

    /// `KeyValuePair` (the plain-text `environment`).
    struct KeyValuePair: Encodable, Sendable {
        var name: String
        var value: String
    }

    /// `Secret`: a variable ECS fetches from Secrets Manager or SSM at container start.
    struct Secret: Encodable, Sendable {
        var name: String
        var valueFrom: String
    }

    /// `LogConfiguration` for the `awslogs` driver.
    struct LogConfiguration: Encodable, Sendable {
        var logDriver = "awslogs"
        var options: [String: String]
    }

    /// `PortMapping` (awsvpc: the host port is the container port).
    struct PortMapping: Encodable, Sendable {
        var containerPort: Int
        var `protocol` = "tcp"
    }
}

extension ECSTaskDefinition {
    /// The definition as JSON members, nil members left out (as `Encodable` leaves them out).
    var json: PrettyJSON {
        var members: [(String, PrettyJSON)] = [
            ("family", .string(family)),
            ("networkMode", .string(networkMode)),
            ("requiresCompatibilities", .array(requiresCompatibilities.map(PrettyJSON.string))),
            ("cpu", .string(cpu)),
            ("memory", .string(memory)),
            ("containerDefinitions", .array(containerDefinitions.map(\.json))),
        ]
        if let executionRoleArn { members.append(("executionRoleArn", .string(executionRoleArn))) }
        if let taskRoleArn { members.append(("taskRoleArn", .string(taskRoleArn))) }
        return .object(members)
    }
}

extension ECSTaskDefinition.ContainerDefinition {
    var json: PrettyJSON {
        var members: [(String, PrettyJSON)] = [
            ("name", .string(name)),
            ("image", .string(image)),
            ("essential", .bool(essential)),
        ]
        if let entryPoint { members.append(("entryPoint", .array(entryPoint.map(PrettyJSON.string)))) }
        if let command { members.append(("command", .array(command.map(PrettyJSON.string)))) }
        if let environment {
            members.append(
                (
                    "environment",
                    .array(environment.map { .object([("name", .string($0.name)), ("value", .string($0.value))]) })
                )
            )
        }
        if let secrets {
            members.append(
                (
                    "secrets",
                    .array(secrets.map { .object([("name", .string($0.name)), ("valueFrom", .string($0.valueFrom))]) })
                )
            )
        }
        if let logConfiguration {
            let options = logConfiguration.options.map { ($0.key, PrettyJSON.string($0.value)) }
            members.append(
                (
                    "logConfiguration",
                    .object([("logDriver", .string(logConfiguration.logDriver)), ("options", .object(options))])
                )
            )
        }
        if let portMappings {
            members.append(
                (
                    "portMappings",
                    .array(
                        portMappings.map {
                            .object([("containerPort", .integer($0.containerPort)), ("protocol", .string($0.protocol))])
                        }
                    )
                )
            )
        }
        return .object(members)
    }
}
