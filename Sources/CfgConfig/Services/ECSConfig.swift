/// Environment-wide defaults for ECS task definitions (`ecs:`).
package struct ECSConfig: Sendable, Hashable {
    /// The official apache/airflow image's ENTRYPOINT.
    package static let officialImageEntrypoint = ["/usr/bin/dumb-init", "--", "/entrypoint"]
    /// Where the image holds the project (environments/ and templates/) when `ecs.project_dir` is not set: the
    /// directory the documented Dockerfile copies it to.
    package static let defaultProjectDirectory = "/opt/cfg"

    /// Task family prefix: a service's family is `PREFIX-SERVICE`. Default `airflow-ENV`.
    package var familyPrefix: String?
    package var image: String?
    package var executionRoleArn: String?
    package var taskRoleArn: String?
    /// Task-level CPU units and memory MiB (Fargate pairs).
    package var cpu: Int?
    package var memory: Int?
    /// awslogs group and region.
    package var logGroup: String?
    package var logRegion: String?
    /// Where cfg is installed in the image, for the entrypoint form; default `cfg` on PATH.
    package var cfgPath: String?
    /// The project's directory inside the image, passed to `cfg exec -C` in the entrypoint form so that cfg finds
    /// the environment from any working directory (the official image's is /opt/airflow). An absolute path.
    package var projectDirectory: String
    /// The image's own ENTRYPOINT, which `cfg exec` runs once the values are resolved (an ECS `entryPoint`
    /// replaces the image's). Default: the official apache/airflow image's `/usr/bin/dumb-init -- /entrypoint`.
    package var imageEntrypoint: [String]?
    /// The loudly named opt-in to put secret values in clear into `environment`. Default false.
    package var insecurePlaintextSecrets: Bool

    package init(
        familyPrefix: String? = nil,
        image: String? = nil,
        executionRoleArn: String? = nil,
        taskRoleArn: String? = nil,
        cpu: Int? = nil,
        memory: Int? = nil,
        logGroup: String? = nil,
        logRegion: String? = nil,
        cfgPath: String? = nil,
        projectDirectory: String = ECSConfig.defaultProjectDirectory,
        imageEntrypoint: [String]? = nil,
        insecurePlaintextSecrets: Bool = false
    ) {
        self.familyPrefix = familyPrefix
        self.image = image
        self.executionRoleArn = executionRoleArn
        self.taskRoleArn = taskRoleArn
        self.cpu = cpu
        self.memory = memory
        self.logGroup = logGroup
        self.logRegion = logRegion
        self.cfgPath = cfgPath
        self.projectDirectory = projectDirectory
        self.imageEntrypoint = imageEntrypoint
        self.insecurePlaintextSecrets = insecurePlaintextSecrets
    }
}
