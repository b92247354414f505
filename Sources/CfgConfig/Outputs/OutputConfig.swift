/// One declared output.
package struct OutputConfig: Sendable, Hashable {
    /// The output's format (`kind:`).
    package enum Kind: String, Sendable, Hashable, CaseIterable {
        /// `AIRFLOW__SECTION__KEY=value` lines (docker `--env-file`, ECS environment files).
        case env
        /// A docker compose `.env` file.
        case dotenv
        /// RegisterTaskDefinition input JSON, one per service.
        case ecsTaskDefinition = "ecs-task-definition"
        /// Any file rendered from a template.
        case file
    }

    package var kind: Kind
    /// Relative to the output directory. For `ecs-task-definition` without `service`, it contains `{service}`
    /// (default `ecs/{service}.json`); one file per service.
    package var path: String
    /// The service whose settings the output gets; nil for the common settings (or every service, for ECS).
    package var service: String?
    /// The template, for `file` outputs.
    package var template: TemplateFile?
    package var position: ConfigPosition

    package init(
        kind: Kind,
        path: String,
        service: String? = nil,
        template: TemplateFile? = nil,
        position: ConfigPosition
    ) {
        self.kind = kind
        self.path = path
        self.service = service
        self.template = template
        self.position = position
    }
}
