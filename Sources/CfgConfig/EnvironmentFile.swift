/// A loaded and validated environment file (`environments/NAME.yaml`).
package struct EnvironmentFile: Sendable {
    /// The environment's name: the `name:` field, or the file name without `.yaml`.
    package var name: String
    /// The environment file as the user named it.
    package var file: String
    /// The project directory: relative paths in the file (templates, store) resolve against it.
    package var projectDirectory: String
    package var airflowVersion: String?
    package var backend: BackendConfig
    /// Named secret references, in file order.
    package var secrets: [SecretDeclaration]
    /// Plain values (`values.NAME` in templates), in file order.
    package var values: [ConfigMapEntry]
    /// Settings templates every service gets, in order (later ones override earlier keys).
    package var settings: [TemplateFile]
    /// The Airflow services, in file order.
    package var services: [ServiceConfig]
    /// Defaults for ECS task definitions.
    package var ecs: ECSConfig
    package var outputs: [OutputConfig]
    package var rotation: [RotationPolicy]
    /// What `cfg exec` passes to the command.
    package var exec = ExecConfig()
    /// How `cfg run` keeps the command's values current.
    package var run = RunConfig()
    /// Secrets every service gets as files (`files:`), in file order.
    package var files: [FileDeclaration] = []

    package func secret(named name: String) -> SecretDeclaration? { secrets.first { $0.name == name } }
    package func service(named name: String) -> ServiceConfig? { services.first { $0.name == name } }

    /// The files a service gets (nil: the environment-wide ones): the environment's, except those the service
    /// declares again under the same name, then the service's own.
    package func files(service name: String?) -> [FileDeclaration] {
        let own = name.flatMap(service(named:))?.files ?? []
        return files.filter { file in !own.contains { $0.name == file.name } } + own
    }
}
