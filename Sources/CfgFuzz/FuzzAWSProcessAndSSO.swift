import CfgAWSAuth
import CfgHTTP
import CfgRender
import CfgSecure

/// Splits the input as a `credential_process` command line (Python's shlex rules), and reads it as the command's
/// JSON output.
package func fuzzAWSProcessCredentials(_ bytes: UnsafeRawBufferPointer) {
    if let text = String(validating: bytes, as: UTF8.self) {
        _ = try? ShellWords.split(text)
    }
    _ = try? ProcessCredentialProvider.credentials(
        in: Secret(bytes: bytes),
        what: "the fuzz command",
        source: "profile 'fuzz'"
    )
}

/// Reads the input's two halves (split at the first NUL) as a cached IAM Identity Center sign-in and as the
/// portal's GetRoleCredentials answer.
package func fuzzSSODocuments(_ bytes: UnsafeRawBufferPointer) {
    let split = bytes.firstIndex(of: 0) ?? bytes.count
    let token = Secret(bytes: UnsafeRawBufferPointer(rebasing: bytes[0..<split]))
    let rest = split < bytes.count ? bytes[(split + 1)...] : bytes[bytes.count...]
    SSOCredentialProvider.parseUntrusted(
        token: token,
        answer: Secret(bytes: UnsafeRawBufferPointer(rebasing: rest)),
        transport: ScriptedTransport([])
    )
}

/// Reads the input as the `CFG_TASK_DEFINITION_VARIABLES` marker a task definition gives `cfg exec`.
package func fuzzTaskDefinitionVariables(_ bytes: UnsafeRawBufferPointer) {
    guard let text = String(validating: bytes, as: UTF8.self) else { return }
    _ = try? TaskDefinitionVariables.names(in: text)
}
