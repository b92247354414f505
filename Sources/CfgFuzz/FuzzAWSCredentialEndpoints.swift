import CfgAWSAuth
import CfgHTTP
import Foundation

/// Feeds the input as the answers of the container credentials endpoint (ECS, EKS Pod Identity) and of the
/// instance metadata service (IMDSv2: token, role name, credentials), as the AWS credential chain reads them.
package func fuzzAWSCredentialEndpoints(_ bytes: UnsafeRawBufferPointer) async {
    let responses = FuzzResponses.parse(bytes)
    let container = try? ContainerCredentialProvider.fromEnvironment(
        [
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/fuzz",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "fuzz-authorization",
        ],
        transport: ScriptedTransport(responses),
        containerHost: "127.0.0.1:9"
    )
    // A 5xx answer makes the provider wait a second (as botocore does) before it asks again; such inputs would only
    // slow the run down, and the retry is the same code path as the first try.
    if let first = responses.first, first.status < 500 {
        _ = try? await container?.credentials()
    }
    let metadata = try? InstanceMetadataCredentialProvider.fromEnvironment(
        ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9"],
        transport: ScriptedTransport(responses),
        now: { Date(timeIntervalSince1970: 1_800_000_000) }
    )
    _ = try? await metadata?.credentials()
}
