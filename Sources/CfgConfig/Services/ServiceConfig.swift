/// An Airflow service (process kind) and what it gets.
package struct ServiceConfig: Sendable, Hashable {
    /// `api-server`, `webserver`, `scheduler`, `worker`, `triggerer`, `dag-processor`, `flower`, or any name.
    package var name: String
    /// The container command; defaults to Airflow's command for a known name (`airflow scheduler`).
    package var command: [String]
    /// Settings templates this service gets after the environment's common ones.
    package var settings: [TemplateFile]
    /// Per-service ECS overrides.
    package var ecs: ECSServiceConfig
    /// Secret files this service gets besides the environment's (see ``EnvironmentFile/files(service:)``).
    package var files: [FileDeclaration]
    package var position: ConfigPosition

    package init(
        name: String,
        command: [String],
        settings: [TemplateFile] = [],
        ecs: ECSServiceConfig = ECSServiceConfig(),
        files: [FileDeclaration] = [],
        position: ConfigPosition
    ) {
        self.name = name
        self.command = command
        self.settings = settings
        self.ecs = ecs
        self.files = files
        self.position = position
    }
}
