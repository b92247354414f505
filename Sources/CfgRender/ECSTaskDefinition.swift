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
