/// A position in an environment file (1-based line and column).
package struct ConfigPosition: Hashable, Sendable, CustomStringConvertible {
    package var file: String
    package var line: Int
    package var column: Int

    package init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`; control characters in the file's name (it comes from the command line) are escaped.
    package var description: String { "\(ConfigText.escaped(file)):\(line):\(column)" }
}

/// A loaded and validated environment file (`environments/NAME.yaml`).
package struct Environment: Sendable {
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

/// `exec: { pass: [NAME, …], secrets_dir: PATH }`: cfg's own credential variables (`VAULT_TOKEN`,
/// `AWS_ACCESS_KEY_ID`, …) that `cfg exec` passes on to the command (by default none), and where secret files go.
package struct ExecConfig: Sendable, Hashable {
    /// Where secret files are written when `exec.secrets_dir` is not set.
    package static let defaultSecretsDirectory = "/dev/shm/cfg"

    package var pass: [String] = []
    /// An absolute path on tmpfs; files go to `SECRETS_DIR/ENV/SERVICE/NAME`.
    package var secretsDirectory: String = ExecConfig.defaultSecretsDirectory

    package init(pass: [String] = [], secretsDirectory: String = ExecConfig.defaultSecretsDirectory) {
        self.pass = pass
        self.secretsDirectory = secretsDirectory
    }
}

/// One entry of `files:` (environment-wide or per service): a secret, or a rendered template, written before the
/// command starts into the secrets directory with mode 0400; its path goes into the variables of `env`.
package struct FileDeclaration: Sendable, Hashable {
    /// What the file holds.
    package enum Source: Sendable, Hashable {
        /// A declared secret byte for byte, or one top-level key of a JSON secret (`secret: NAME.KEY`).
        case secret(name: String, key: String?)
        /// A template rendered without escaping, like a `kind: file` output.
        case template(TemplateFile)
    }

    /// A plain file name: no `/`, not `.` or `..`, no control character.
    package var name: String
    package var source: Source
    /// The variables that get the file's absolute path.
    package var variables: [FileVariable]
    /// Where the entry starts.
    package var position: ConfigPosition
    /// Where `secret:` or `template:`'s value is written (resolution errors point here).
    package var sourcePosition: ConfigPosition

    package init(
        name: String,
        source: Source,
        variables: [FileVariable] = [],
        position: ConfigPosition,
        sourcePosition: ConfigPosition
    ) {
        self.name = name
        self.source = source
        self.variables = variables
        self.position = position
        self.sourcePosition = sourcePosition
    }
}

/// A variable named in a file's `env`, with where it is written.
package struct FileVariable: Sendable, Hashable {
    package var name: String
    package var position: ConfigPosition

    package init(name: String, position: ConfigPosition) {
        self.name = name
        self.position = position
    }
}

/// A template path as written in the environment file, with where it was written.
package struct TemplateFile: Hashable, Sendable {
    /// Relative to the project directory (or absolute).
    package var path: String
    package var position: ConfigPosition

    package init(path: String, position: ConfigPosition) {
        self.path = path
        self.position = position
    }
}

/// A plain value from `values:` (or a fixed secret key value); mirrors YAML's scalar and collection kinds.
package indirect enum ConfigValue: Sendable, Hashable {
    case string(String)
    case integer(Int)
    case double(Double)
    case bool(Bool)
    case null
    case list([ConfigValue])
    case map([ConfigMapEntry])
}

package struct ConfigMapEntry: Sendable, Hashable {
    package var key: String
    package var value: ConfigValue

    package init(key: String, value: ConfigValue) {
        self.key = key
        self.value = value
    }
}

/// Which backend the environment reads its secrets from.
package enum BackendConfig: Sendable, Hashable {
    case local(LocalBackendConfig)
    case vault(VaultBackendConfig)
    case aws(AWSBackendConfig)

    /// The `type:` word.
    package var kind: String {
        switch self {
        case .local: "local"
        case .vault: "vault"
        case .aws: "aws"
        }
    }
}

/// `backend: { type: local, store: …, key_file: … }`.
package struct LocalBackendConfig: Sendable, Hashable {
    /// The encrypted store file; default `.cfg/ENV.store` under the project directory.
    package var store: String?
    /// The key file; default `$XDG_CONFIG_HOME/cfg/keys/ENV.key` (or `~/.config/cfg/keys/ENV.key`).
    package var keyFile: String?

    package init(store: String? = nil, keyFile: String? = nil) {
        self.store = store
        self.keyFile = keyFile
    }
}

/// `backend: { type: vault, … }`. Fields left out here come from the standard variables (`BAO_*`, then
/// `VAULT_*`), which also override what is written here, as Vault's own tools do; the Vault backend resolves that.
package struct VaultBackendConfig: Sendable, Hashable {
    package var address: String?
    /// The KV mount secret paths are relative to.
    package var mount: String
    package var kvVersion: Int
    package var namespace: String?
    /// How cfg logs in; nil: a token from the environment (`VAULT_TOKEN`, then `~/.vault-token`).
    package var auth: VaultAuthConfig?
    package var tls: VaultTLSConfig
    /// Total time for one request, in seconds (`VAULT_CLIENT_TIMEOUT`); nil: the default.
    package var timeoutSeconds: Int?
    /// Retries of a request that failed with 412 or a 5xx other than 501 (`VAULT_MAX_RETRIES`); nil: the default.
    package var maxRetries: Int?

    package init(
        address: String? = nil,
        mount: String = "secret",
        kvVersion: Int = 2,
        namespace: String? = nil,
        auth: VaultAuthConfig? = nil,
        tls: VaultTLSConfig = VaultTLSConfig(),
        timeoutSeconds: Int? = nil,
        maxRetries: Int? = nil
    ) {
        self.address = address
        self.mount = mount
        self.kvVersion = kvVersion
        self.namespace = namespace
        self.auth = auth
        self.tls = tls
        self.timeoutSeconds = timeoutSeconds
        self.maxRetries = maxRetries
    }
}

/// `backend.tls` of a Vault backend: paths are relative to the project directory.
package struct VaultTLSConfig: Sendable, Hashable {
    package var caCert: String?
    package var caPath: String?
    package var clientCert: String?
    package var clientKey: String?
    package var serverName: String?
    /// Verification off, by name, for this backend only.
    package var skipVerify: Bool

    package init(
        caCert: String? = nil,
        caPath: String? = nil,
        clientCert: String? = nil,
        clientKey: String? = nil,
        serverName: String? = nil,
        skipVerify: Bool = false
    ) {
        self.caCert = caCert
        self.caPath = caPath
        self.clientCert = clientCert
        self.clientKey = clientKey
        self.serverName = serverName
        self.skipVerify = skipVerify
    }
}

/// Where a credential comes from: a file or an environment variable (never the command line, never the file
/// itself for secret ids).
package enum CredentialSource: Sendable, Hashable {
    case file(String)
    case variable(String)
    /// Written in the environment file: allowed only for identifiers that are not secret (an AppRole role_id).
    case literal(String)
}

/// `backend.auth` of a Vault backend.
package enum VaultAuthConfig: Sendable, Hashable {
    /// A token: from `file`, else `BAO_TOKEN`/`VAULT_TOKEN`, else `~/.vault-token`.
    case token(file: String?)
    /// AppRole login at `mount` (default `approle`).
    case appRole(mount: String, roleID: CredentialSource, secretID: CredentialSource?)
    /// JWT login (`jwt` or `kubernetes` method) at `mount` with a token file (a projected service-account token).
    case jwt(method: String, mount: String, role: String?, tokenFile: String)
    /// AWS IAM login at `mount` (default `aws`): a SigV4-signed `sts:GetCallerIdentity` request that Vault replays
    /// to STS. `role` nil lets Vault use the IAM principal's name; `region` nil signs for `us-east-1` and the global
    /// endpoint, otherwise for that region and its regional endpoint; `serverID` is sent and signed as
    /// `X-Vault-AWS-IAM-Server-ID` (the mount's `iam_server_id_header_value`).
    case aws(mount: String, role: String?, region: String?, serverID: String?)

    /// The method word as written.
    package var method: String {
        switch self {
        case .token: "token"
        case .appRole: "approle"
        case .jwt(let method, _, _, _): method
        case .aws: "aws"
        }
    }
}

/// `backend: { type: aws, region: …, profile: …, endpoint: … }`: parsed and validated now; served by the AWS issue.
package struct AWSBackendConfig: Sendable, Hashable {
    package var region: String?
    package var profile: String?
    package var endpoint: String?

    package init(region: String?, profile: String?, endpoint: String?) {
        self.region = region
        self.profile = profile
        self.endpoint = endpoint
    }
}

/// A named secret reference: `db: airflow/prod/db` or the long form with generators for `cfg init`.
package struct SecretDeclaration: Sendable, Hashable {
    /// The name templates use (`secrets.NAME`).
    package var name: String
    /// The path or name in the backend.
    package var path: String
    /// A pinned version or label; nil for the current version.
    package var version: String?
    /// A leased endpoint (Vault `database/creds/ROLE`): read as it is, its lease kept for renewal.
    package var dynamic: Bool
    /// How `cfg init` creates the secret: nil when the environment only references it.
    package var generation: SecretGeneration?
    package var position: ConfigPosition

    package init(
        name: String,
        path: String,
        version: String? = nil,
        dynamic: Bool = false,
        generation: SecretGeneration? = nil,
        position: ConfigPosition
    ) {
        self.name = name
        self.path = path
        self.version = version
        self.dynamic = dynamic
        self.generation = generation
        self.position = position
    }
}

/// What `cfg init` writes for a secret.
package enum SecretGeneration: Sendable, Hashable {
    /// A plain (non-JSON) secret made by one generator.
    case whole(GeneratorSpec)
    /// A JSON object secret, key by key, in order.
    case keys([KeyGeneration])
}

/// One key of a JSON secret: a fixed value or a generator.
package struct KeyGeneration: Sendable, Hashable {
    package enum Source: Sendable, Hashable {
        case value(ConfigValue)
        case generate(GeneratorSpec)
    }

    package var key: String
    package var source: Source
    /// Text put before a generated value (`prefix: "flower:"` makes Flower's `user:password`).
    package var prefix: String

    package init(key: String, source: Source, prefix: String = "") {
        self.key = key
        self.source = source
        self.prefix = prefix
    }
}

/// A generator of new secret values, shared by `cfg init`, `cfg keygen` and rotation.
package enum GeneratorSpec: Sendable, Hashable {
    /// 32 random bytes, url-safe base64 (what `Fernet.generate_key()` returns).
    case fernet
    case password(PasswordPolicy)
    /// `length` random bytes, encoded.
    case bytes(length: Int, encoding: ByteEncoding)
}

package enum ByteEncoding: String, Sendable, Hashable, CaseIterable {
    case hex
    case base64
    case base64url
}

/// Character classes a generated password draws from.
package enum CharacterClass: String, Sendable, Hashable, CaseIterable {
    case lower
    case upper
    case digits
    /// ASCII punctuation `!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~`.
    case symbols
}

/// How to generate a password.
package struct PasswordPolicy: Sendable, Hashable {
    package var length: Int
    /// Every class listed appears at least once.
    package var classes: [CharacterClass]
    /// Characters never used.
    package var exclude: String

    package init(length: Int = 32, classes: [CharacterClass] = CharacterClass.allCases, exclude: String = "") {
        self.length = length
        self.classes = classes
        self.exclude = exclude
    }

    /// `profile: uri-safe`: letters and digits only, so the value needs no encoding anywhere.
    package static func uriSafe(length: Int) -> PasswordPolicy {
        PasswordPolicy(length: length, classes: [.lower, .upper, .digits])
    }
}

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
    /// Secret files this service gets besides the environment's (see ``Environment/files(service:)``).
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

/// Environment-wide defaults for ECS task definitions (`ecs:`).
package struct ECSConfig: Sendable, Hashable {
    /// The official apache/airflow image's ENTRYPOINT.
    package static let officialImageEntrypoint = ["/usr/bin/dumb-init", "--", "/entrypoint"]

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
        self.imageEntrypoint = imageEntrypoint
        self.insecurePlaintextSecrets = insecurePlaintextSecrets
    }
}

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

/// One declared output.
package struct OutputConfig: Sendable, Hashable {
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

/// What rotation applies a new value to, after staging it.
package enum RotationApply: Sendable, Hashable {
    case none
    case postgres
    case redis
    /// A command hook; the new value reaches it on stdin, never in argv.
    case command([String])
}

/// `rotation.NAME`: how and when a secret (or one key of it) is rotated. Parsed and validated now; used by the
/// rotation issue.
package struct RotationPolicy: Sendable, Hashable {
    /// The secret's name (a key of `secrets:`).
    package var secret: String
    /// The key inside a JSON secret; nil for a whole secret.
    package var key: String?
    package var generator: GeneratorSpec
    /// Rotation period in seconds (`every: 90d`).
    package var every: Int
    /// How many old values stay valid (Fernet `keep: 2` → `new,old`).
    package var keep: Int
    package var apply: RotationApply
    package var position: ConfigPosition

    package init(
        secret: String,
        key: String?,
        generator: GeneratorSpec,
        every: Int,
        keep: Int,
        apply: RotationApply,
        position: ConfigPosition
    ) {
        self.secret = secret
        self.key = key
        self.generator = generator
        self.every = every
        self.keep = keep
        self.apply = apply
        self.position = position
    }
}
