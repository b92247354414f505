/// Per-service ECS settings (`services.NAME.ecs`), each overriding the environment's default.
package struct ECSServiceConfig: Sendable, Hashable {
    package var image: String?
    package var cpu: Int?
    package var memory: Int?
    /// Container ports to map (awsvpc: host port = container port).
    package var ports: [Int]

    package init(image: String? = nil, cpu: Int? = nil, memory: Int? = nil, ports: [Int] = []) {
        self.image = image
        self.cpu = cpu
        self.memory = memory
        self.ports = ports
    }
}
