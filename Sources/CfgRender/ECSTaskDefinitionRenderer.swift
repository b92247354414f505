package import CfgConfig
package import CfgTemplate
internal import FoundationEssentials

/// Renders one service's Amazon ECS `RegisterTaskDefinition` input (Fargate, awsvpc) as JSON.
///
/// Secret delivery, per setting:
/// - no secret in the value: plain `environment`;
/// - the value is exactly one unmodified backend value and the caller knows its ECS reference
///   (`deliveryReferences[origin]`, a Secrets Manager or SSM ARN): `secrets[].valueFrom`;
/// - any other secret (a password inside a URI, a filtered value, a secret without a reference): left out
///   of the JSON, and the container's entrypoint becomes `cfg exec -C PROJECT_DIR ENV --service NAME --` and
///   the image's own entrypoint, which fetches and sets it at container start. The task definition's
///   `environment` then also lists, in ``TaskDefinitionVariables/variable``, the names it sets itself: `cfg exec`
///   keeps those values and fetches only what the rest needs. With `ecs.insecurePlaintextSecrets` such values
///   are written into `environment` in clear instead.
///
/// A service with secret files (`files:`, its own or the environment's) always gets the entrypoint form: ECS
/// cannot deliver a file, `cfg exec` writes them at container start.
///
/// The JSON is pretty-printed with sorted keys and unescaped slashes, and ends with a newline.
package enum ECSTaskDefinitionRenderer {
    /// ECS rejects a task definition larger than this (FACTS §4).
    package static let maximumBytes = 65_536

    /// Renders the task definition of `service`.
    ///
    /// - Parameters:
    ///   - service: the service (its name is the container name and the family suffix).
    ///   - environment: the environment (its name and `ecs` defaults).
    ///   - settings: the merged settings of the service.
    ///   - deliveryReferences: the `valueFrom` of each backend value ECS can fetch itself.
    /// - Throws: `RenderError.Code.invalidTaskDefinition` for a cpu/memory pair Fargate does not accept, a missing
    ///   image or a missing command for the entrypoint form; `ecsLimit` for a bad family or container name or a
    ///   task definition over 65,536 bytes; `invalidValue` for a NUL in a value.
    package static func render(
        service: ServiceConfig,
        environment: EnvironmentFile,
        settings: [Setting],
        deliveryReferences: [SecretOrigin: String]
    ) throws(RenderError) -> String {
        let ecs = environment.ecs
        let family = (ecs.familyPrefix ?? "airflow-\(environment.name)") + "-" + service.name
        try checkName(family, what: "Task family")
        try checkName(service.name, what: "Container name")

        let size = FargateSize(
            cpu: service.ecs.cpu ?? ecs.cpu ?? 1024,
            memory: service.ecs.memory ?? ecs.memory ?? 2048
        )
        guard size.isValid else {
            let allowed = (FargateSize.allowedMemory[size.cpu] ?? []).map(String.init).joined(separator: ", ")
            let hint =
                allowed.isEmpty
                ? "cpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384"
                : "with cpu \(size.cpu), memory must be one of \(allowed)"
            throw RenderError(
                .invalidTaskDefinition,
                "Service \(service.name): Fargate does not accept cpu \(size.cpu) with memory \(size.memory) MiB; \(hint)."
            )
        }
        guard let image = service.ecs.image ?? ecs.image, !image.isEmpty else {
            throw RenderError(
                .invalidTaskDefinition,
                "Service \(service.name) has no image: set ecs.image in the environment or services.\(service.name).ecs.image."
            )
        }

        var delivery = try deliver(settings, references: deliveryReferences, plaintext: ecs.insecurePlaintextSecrets)
        let command = service.command
        var entryPoint: [String]?
        let hasFiles = !environment.files.isEmpty || !service.files.isEmpty
        if delivery.needsEntrypoint || hasFiles {
            guard !command.isEmpty else {
                throw RenderError(
                    .invalidTaskDefinition,
                    "Service \(service.name) needs `cfg exec` to deliver its secrets but has no command to run; "
                        + "set services.\(service.name).command."
                )
            }
            // cfg exec resolves the values in the container, then becomes the image's own entrypoint (with the
            // official image: dumb-init as PID 1, then /entrypoint, which runs the command). `-C` names the project
            // inside the image: the container's working directory is the image's (/opt/airflow), not the project.
            entryPoint =
                [
                    ecs.cfgPath ?? "cfg", "exec", "-C", ecs.projectDirectory, environment.name, "--service",
                    service.name, "--",
                ] + (ecs.imageEntrypoint ?? ECSConfig.officialImageEntrypoint)
            // What the task definition carries itself, so that cfg exec keeps those values and computes only the
            // rest (names only: not secret).
            let carried = delivery.environment.map(\.name) + delivery.secrets.map(\.name)
            delivery.environment.append(
                .init(name: TaskDefinitionVariables.variable, value: TaskDefinitionVariables.value(carried))
            )
            delivery.environment.sort { Array($0.name.utf8).lexicographicallyPrecedes($1.name.utf8) }
        }

        var options: [String: String]?
        if let group = ecs.logGroup {
            options = ["awslogs-group": group, "awslogs-stream-prefix": service.name]
            options?["awslogs-region"] = ecs.logRegion
        }
        let container = ECSTaskDefinition.ContainerDefinition(
            name: service.name,
            image: image,
            entryPoint: entryPoint,
            command: command.isEmpty ? nil : command,
            environment: delivery.environment.isEmpty ? nil : delivery.environment,
            secrets: delivery.secrets.isEmpty ? nil : delivery.secrets,
            logConfiguration: options.map { ECSTaskDefinition.LogConfiguration(options: $0) },
            portMappings: service.ecs.ports.isEmpty
                ? nil : service.ecs.ports.map { ECSTaskDefinition.PortMapping(containerPort: $0) }
        )
        let definition = ECSTaskDefinition(
            family: family,
            cpu: String(size.cpu),
            memory: String(size.memory),
            executionRoleArn: ecs.executionRoleArn,
            taskRoleArn: ecs.taskRoleArn,
            containerDefinitions: [container]
        )
        return try encode(definition, service: service.name)
    }

    /// Where each setting goes.
    private struct Delivery {
        var environment: [ECSTaskDefinition.KeyValuePair] = []
        var secrets: [ECSTaskDefinition.Secret] = []
        var needsEntrypoint = false
    }

    private static func deliver(
        _ settings: [Setting],
        references: [SecretOrigin: String],
        plaintext: Bool
    ) throws(RenderError) -> Delivery {
        var delivery = Delivery()
        for setting in settings {
            try EnvBlockRenderer.checkName(setting)
            guard setting.variable != TaskDefinitionVariables.variable else {
                throw RenderError(
                    .invalidSetting,
                    "\(setting.variable) is cfg's own: a task definition uses it to tell `cfg exec` which variables "
                        + "it sets. Give the setting another name.",
                    position: setting.position,
                    variable: setting.variable
                )
            }
            if !setting.value.containsSecret {
                try EnvBlockRenderer.checkNoNUL(setting)
                delivery.environment.append(.init(name: setting.variable, value: setting.value.text))
            } else if let origin = setting.value.soleOrigin, let reference = references[origin] {
                delivery.secrets.append(.init(name: setting.variable, valueFrom: reference))
            } else if plaintext {
                try EnvBlockRenderer.checkNoNUL(setting)
                // The user opted in, by name, to secret values in clear in the task definition.
                delivery.environment.append(.init(name: setting.variable, value: setting.value.text))
            } else {
                delivery.needsEntrypoint = true
            }
        }
        delivery.environment.sort { Array($0.name.utf8).lexicographicallyPrecedes($1.name.utf8) }
        delivery.secrets.sort { Array($0.name.utf8).lexicographicallyPrecedes($1.name.utf8) }
        return delivery
    }

    /// Sorted, pretty JSON; the size limit is checked on the compact form, which is what the API receives.
    private static func encode(_ definition: ECSTaskDefinition, service: String) throws(RenderError) -> String {
        let pretty = definition.json.text
        let compactCount = compactSize(ofPrettyJSON: pretty.utf8)
        guard compactCount <= maximumBytes else {
            throw RenderError(
                .ecsLimit,
                "Service \(service): the task definition is \(compactCount) bytes; ECS allows at most \(maximumBytes). "
                    + "Move settings into files or deliver them with `cfg exec`."
            )
        }
        return pretty + "\n"
    }

    /// The size of the compact form of pretty-printed JSON: its bytes less the white space outside strings (the
    /// encoder's indentation and the spaces around `:`), without encoding it a second time.
    package static func compactSize(ofPrettyJSON json: some Sequence<UInt8>) -> Int {
        var count = 0
        var inString = false
        var escaped = false
        for byte in json {
            if inString {
                count += 1
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
                count += 1
            } else if byte != 0x20, byte != 0x0A, byte != 0x09, byte != 0x0D {
                count += 1
            }
        }
        return count
    }

    /// Family and container names: 1 to 255 of `[A-Za-z0-9_-]`.
    private static func checkName(_ name: String, what: String) throws(RenderError) {
        let valid =
            !name.isEmpty && name.utf8.count <= 255
            && name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == "-" }
        guard valid else {
            throw RenderError(
                .ecsLimit,
                "\(what) \"\(name)\" is invalid: ECS allows 1 to 255 letters, digits, \"_\" and \"-\"."
            )
        }
    }
}
