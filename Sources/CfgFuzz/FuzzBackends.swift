import CfgAWS
import CfgAWSAuth
import CfgBackend
import CfgHTTP
import CfgSecure
import CfgVault
import Foundation

/// The secrets every backend target asks for: the current version, a labelled one, one by id, and metadata.
private let fuzzPath = SecretPath("airflow/fuzz/db")

/// Static credentials for the AWS targets; the values are test words, not secrets.
let fuzzCredentials = AWSCredentials(
    accessKeyID: "AKIAFUZZFUZZFUZZFUZZ",
    secretAccessKey: Secret(copying: "fuzz-secret-access-key"),
    sessionToken: Secret(copying: "fuzz-session-token"),
    source: "the fuzz target"
)

/// Feeds the input as Vault answers to reads of KV v2 (current, by label, by id, metadata), then of KV v1.
package func fuzzVaultResponse(_ bytes: UnsafeRawBufferPointer) async {
    let responses = FuzzResponses.parse(bytes)
    for kvVersion in [2, 1] {
        let settings = VaultSettings(
            address: "http://127.0.0.1:9",
            kvVersion: kvVersion,
            maxRetries: 1,
            auth: .token(.variable("VAULT_TOKEN"))
        )
        let backend = VaultBackend(
            settings: settings,
            transport: ScriptedTransport(responses),
            processEnvironment: ["VAULT_TOKEN": "fuzz-token"],
            now: { Date(timeIntervalSince1970: 1_800_000_000) },
            sleep: { _ in }
        )
        await exercise(backend)
        _ = try? await backend.fetch(SecretRequest(path: SecretPath("database/creds/airflow"), dynamic: true))
        await backend.close()
    }
}

/// Feeds the input as Secrets Manager answers (`GetSecretValue`, `BatchGetSecretValue`, `DescribeSecret`,
/// `ListSecretVersionIds`).
package func fuzzSecretsManagerResponse(_ bytes: UnsafeRawBufferPointer) async {
    let client = SecretsManagerClient(
        endpoint: "http://127.0.0.1:9",
        region: "us-east-1",
        credentials: StaticCredentialProvider(fuzzCredentials),
        transport: ScriptedTransport(FuzzResponses.parse(bytes)),
        policy: RetryPolicy(maxRetries: 1, baseDelay: .zero, maxDelay: .zero, budget: .seconds(1)),
        now: { Date(timeIntervalSince1970: 1_800_000_000) },
        sleep: { _ in },
        random: { 0 }
    )
    let backend = AWSBackend(client: client)
    await exercise(backend)
    _ = await backend.fetch([SecretRequest(path: fuzzPath), SecretRequest(path: SecretPath("airflow/fuzz/other"))])
    await backend.close()
}

/// The reads every backend target makes; each may fail, none may crash or hang.
func exercise(_ backend: some SecretBackend) async {
    _ = try? await backend.fetch(SecretRequest(path: fuzzPath))
    _ = try? await backend.fetch(SecretRequest(path: fuzzPath, version: .label(.previous)))
    _ = try? await backend.fetch(SecretRequest(path: fuzzPath, version: .id("2")))
    _ = try? await backend.fetchMetadata(fuzzPath)
}
