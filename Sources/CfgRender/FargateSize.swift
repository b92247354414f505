/// A task-level CPU and memory pair that Fargate accepts.
///
/// The valid pairs are listed in the ECS API model's `RegisterTaskDefinitionRequest.memory` documentation
/// (FACTS §4). 8192 and 16384 CPU units need platform version 1.4.0 or later.
package struct FargateSize: Hashable, Sendable {
    /// CPU units (1024 = 1 vCPU).
    package var cpu: Int
    /// Memory in MiB.
    package var memory: Int

    package init(cpu: Int, memory: Int) {
        self.cpu = cpu
        self.memory = memory
    }

    /// The memory sizes Fargate allows for each CPU size.
    package static let allowedMemory: [Int: [Int]] = [
        256: [512, 1024, 2048],
        512: Array(stride(from: 1024, through: 4096, by: 1024)),
        1024: Array(stride(from: 2048, through: 8192, by: 1024)),
        2048: Array(stride(from: 4096, through: 16384, by: 1024)),
        4096: Array(stride(from: 8192, through: 30720, by: 1024)),
        8192: Array(stride(from: 16384, through: 61440, by: 4096)),
        16384: Array(stride(from: 32768, through: 122880, by: 8192)),
    ]

    /// True when Fargate accepts this pair.
    package var isValid: Bool { Self.allowedMemory[cpu]?.contains(memory) ?? false }
}
