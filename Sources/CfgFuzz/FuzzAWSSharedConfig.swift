import CfgAWSAuth
import CfgSecure

/// Parses the input as an AWS config file and as a credentials file, then reads each profile's keys.
package func fuzzAWSSharedConfig(_ bytes: UnsafeRawBufferPointer) {
    let contents = Secret(bytes: bytes)
    for kind in [AWSSharedConfig.FileKind.config, .credentials] {
        guard let profiles = try? AWSSharedConfig.parse(contents, file: "~/.aws/fuzz", kind: kind) else { continue }
        for profile in profiles.values {
            for key in ["region", "aws_access_key_id", "aws_secret_access_key", "role_arn", "source_profile"] {
                _ = profile.value(key)
                _ = profile.secret(key)
                _ = profile.location(of: key)
            }
        }
    }
}
