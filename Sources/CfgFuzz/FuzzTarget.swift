/// One fuzz target: a parser of untrusted input and the function that feeds it one input.
///
/// Every entry function accepts any bytes. A thrown error is a correct answer to bad input and is ignored; a
/// crash, a hang or unbounded memory growth is a finding. The same functions serve libFuzzer (`make fuzz`, through
/// the `cfg-fuzz` executable) and the replay of the committed corpora under `swift test` (`CfgFuzzTests`).
package struct FuzzTarget: Sendable {
    /// The target's name: the folder of its corpus (`Tests/Fuzz/corpus/NAME`) and `CFG_FUZZ_TARGET`'s value.
    package var name: String
    /// What the target feeds, for `cfg-fuzz --list`.
    package var summary: String
    /// The entry function.
    package var entry: Entry

    /// A parser is fed synchronously; a backend's client is async (it awaits its transport).
    package enum Entry: Sendable {
        case sync(@Sendable (UnsafeRawBufferPointer) -> Void)
        case async(@Sendable (UnsafeRawBufferPointer) async -> Void)
    }

    /// Feeds one input from ordinary memory: it is copied into an allocation of exactly its size, so that the
    /// address sanitizer catches a read past its end.
    package func run(_ input: [UInt8]) async {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: input.count, alignment: 1)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: input)
        let bytes = UnsafeRawBufferPointer(buffer)
        switch entry {
        case .sync(let body): body(bytes)
        case .async(let body): await body(bytes)
        }
    }

    /// Every target, in the order `make fuzz` runs them.
    package static let all: [FuzzTarget] = [
        FuzzTarget(name: "template", summary: "template lexer, parser and evaluator", entry: .sync(fuzzTemplate)),
        FuzzTarget(
            name: "environment",
            summary: "environment file loader (YAML and validation)",
            entry: .sync(fuzzEnvironment)
        ),
        FuzzTarget(name: "securejson", summary: "SecureJSON parser and node accessors", entry: .sync(fuzzSecureJSON)),
        FuzzTarget(
            name: "awsconfig",
            summary: "AWS shared config and credentials INI parser",
            entry: .sync(fuzzAWSSharedConfig)
        ),
        FuzzTarget(
            name: "sts",
            summary: "STS AssumeRole responses (status, headers, XML body)",
            entry: .async(fuzzSTSResponse)
        ),
        FuzzTarget(
            name: "awscredentials",
            summary: "container credentials and instance metadata (IMDSv2) responses",
            entry: .async(fuzzAWSCredentialEndpoints)
        ),
        FuzzTarget(
            name: "localstore",
            summary: "local store file: envelope, decryption with a test key, document",
            entry: .async(fuzzLocalStore)
        ),
        FuzzTarget(
            name: "vault",
            summary: "Vault KV v2 and v1 responses (status, headers, JSON body)",
            entry: .async(fuzzVaultResponse)
        ),
        FuzzTarget(
            name: "secretsmanager",
            summary: "Secrets Manager responses (status, headers, JSON body)",
            entry: .async(fuzzSecretsManagerResponse)
        ),
        FuzzTarget(
            name: "redisreply",
            summary: "Redis replies (RESP) as the rotation target reads them",
            entry: .sync(fuzzRedisReply)
        ),
        FuzzTarget(
            name: "awsprocess",
            summary: "credential_process command lines and outputs",
            entry: .sync(fuzzAWSProcessCredentials)
        ),
        FuzzTarget(
            name: "sso",
            summary: "IAM Identity Center cached sign-ins and GetRoleCredentials answers",
            entry: .sync(fuzzSSODocuments)
        ),
        FuzzTarget(
            name: "taskdefvars",
            summary: "the task definition's variable list cfg exec reads",
            entry: .sync(fuzzTaskDefinitionVariables)
        ),
        FuzzTarget(
            name: "rotationrecords",
            summary: "rotation and lock records read from a backend",
            entry: .sync(fuzzRotationRecords)
        ),
        FuzzTarget(
            name: "uricredentials",
            summary: "a URI setting's login and password as SQLAlchemy, kombu, Airflow and Sentry split them",
            entry: .sync(fuzzURICredentials)
        ),
    ]

    /// The target called `name`, if there is one.
    package static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}
