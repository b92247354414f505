import CfgAWSAuth
import Foundation

/// Feeds the input as STS answers to `AssumeRole` (status, headers and the XML body).
package func fuzzSTSResponse(_ bytes: UnsafeRawBufferPointer) async {
    let client = STSClient(
        endpoint: "http://127.0.0.1:9/sts",
        region: "us-east-1",
        transport: ScriptedTransport(FuzzResponses.parse(bytes)),
        now: { Date(timeIntervalSince1970: 1_800_000_000) },
        maxAttempts: 2,
        retryDelay: .zero
    )
    _ = try? await client.assumeRole(
        roleARN: "arn:aws:iam::123456789012:role/fuzz",
        sessionName: "cfg-fuzz",
        credentials: fuzzCredentials,
        source: "the fuzz target"
    )
}
