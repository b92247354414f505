import CfgAWSAuth
import CfgBackend
import CfgHTTP
import FoundationEssentials

/// The AWS backend's failures: one sentence each, naming the secret and what to do; never a value, a header or a
/// body (AWS's own error message is not shown: only its code chooses the sentence).
extension BackendError {
    static let awsKind = "aws"

    /// The sentence for a failed call.
    static func aws(_ failure: SecretsManagerFailure, call: SecretsManagerCall, endpoint: String) -> BackendError {
        let subject = call.subject
        let operation = call.operation
        switch failure {
        case .credentials(let error):
            return BackendError(
                error.code == .unreachable ? .unreachable : .authenticationFailed,
                backend: awsKind,
                path: call.path,
                message: "No AWS credentials to read \(subject): \(error.message)"
            )
        case .cancelled:
            return BackendError(.unreachable, backend: awsKind, path: call.path, message: "\(operation) was cancelled.")
        case .malformed(let what):
            return BackendError(
                .unavailable,
                backend: awsKind,
                path: call.path,
                message: "Secrets Manager at \(endpoint) sent an unexpected answer to \(operation) for \(subject): "
                    + "\(what)."
            )
        case .transport(let error, let attempts):
            return awsTransport(error, attempts: attempts, call: call, endpoint: endpoint)
        case .service(let code, let status, let attempts, let skew):
            return awsService(code: code, status: status, attempts: attempts, skew: skew, call: call)
        }
    }

    private static func awsTransport(
        _ error: HTTPError,
        attempts: Int,
        call: SecretsManagerCall,
        endpoint: String
    ) -> BackendError {
        let tries = attempts > 1 ? " (\(attempts) attempts)" : ""
        if error.kind == .responseTooLarge {
            return BackendError(
                .unavailable,
                backend: awsKind,
                path: call.path,
                message: "Secrets Manager at \(error.endpoint ?? endpoint) answered \(call.operation) for "
                    + "\(call.subject) with more than \(error.exceeded ?? "the limit"), more than any valid answer "
                    + "holds; check that AWS_ENDPOINT_URL_SECRETS_MANAGER (or AWS_ENDPOINT_URL) and any proxy lead to "
                    + "Secrets Manager."
            )
        }
        if error.kind == .tls {
            return BackendError(
                .tls,
                backend: awsKind,
                path: call.path,
                message: "TLS with Secrets Manager at \(endpoint) failed while reading \(call.subject): "
                    + "\(error.message). Check AWS_CA_BUNDLE, the endpoint and any proxy."
            )
        }
        let verb = error.kind == .timeout ? "did not answer in time" : "cannot be reached"
        return BackendError(
            .unreachable,
            backend: awsKind,
            path: call.path,
            message: "Secrets Manager at \(endpoint) \(verb) for \(call.operation) of \(call.subject)\(tries): "
                + "\(error.message). Check the region, AWS_ENDPOINT_URL_SECRETS_MANAGER and the network."
        )
    }

    // swift-format-ignore: FunctionLength
    private static func awsService(
        code: String,
        status: Int,
        attempts: Int,
        skew: TimeInterval?,
        call: SecretsManagerCall
    ) -> BackendError {
        let subject = call.subject
        func error(_ kind: Code, _ message: String) -> BackendError {
            BackendError(kind, backend: awsKind, path: call.path, message: message)
        }
        let signatureCodes: Set<String> = [
            "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure", "RequestTimeTooSkewed",
        ]
        let skewed = signatureCodes.contains(code) && (skew.map { abs($0) > 240 } ?? false)
        if skewed || code == "RequestExpired" || code == "SignatureExpired" {
            let offset =
                skew.map {
                    " (this machine's clock is \(Int(abs($0).rounded())) s \($0 > 0 ? "behind" : "ahead of") AWS)"
                } ?? ""
            return error(
                .authenticationFailed,
                "AWS refused the request for \(subject) as signed at the wrong time (\(code))\(offset); "
                    + "synchronise the clock (NTP) and try again."
            )
        }
        switch code {
        case "ResourceNotFoundException":
            return error(.notFound, "\(subject.capitalizedFirst) was not found in Secrets Manager.")
        case "AccessDeniedException", "AccessDenied", "NotAuthorized":
            return error(
                .permissionDenied,
                "AWS denied \(call.operation) on \(subject) (\(code)); the credentials' IAM policy must allow "
                    + "secretsmanager:\(call.operation) on it."
            )
        case "DecryptionFailure":
            return error(
                .decryptionFailed,
                "Secrets Manager could not decrypt \(subject) (DecryptionFailure); check that its KMS key is enabled "
                    + "and that the credentials may use it (kms:Decrypt)."
            )
        case "UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException",
            "SignatureDoesNotMatch", "IncompleteSignature", "MissingAuthenticationToken":
            return error(
                .authenticationFailed,
                "AWS rejected the credentials used to read \(subject) (\(code)); check the access key and its secret "
                    + "(AWS_ACCESS_KEY_ID, AWS_PROFILE) and the region."
            )
        case "ExpiredTokenException", "ExpiredToken", "TokenRefreshRequired":
            return error(
                .authenticationFailed,
                "AWS rejected the session token used to read \(subject) as expired (\(code)); refresh the "
                    + "credentials (AWS_SESSION_TOKEN, the profile's role) and try again."
            )
        case "InvalidParameterException", "InvalidRequestException", "ValidationException", "ValidationError":
            return error(
                .invalidRequest,
                "Secrets Manager refused \(call.operation) for \(subject) as invalid (\(code)); check the secret id "
                    + "and the version."
            )
        case "ResourceExistsException":
            return error(.conflict, "\(subject.capitalizedFirst) already exists in Secrets Manager.")
        case "EncryptionFailure", "KMSInvalidStateException":
            return error(
                .decryptionFailed,
                "Secrets Manager could not encrypt \(subject) (\(code)); check that its KMS key is enabled and usable."
            )
        default:
            break
        }
        if SecretsManagerClient.throttlingCodes.contains(code) || status == 429 {
            return error(
                .throttled,
                "Secrets Manager throttled \(call.operation) of \(subject) (\(code)) after \(attempts) attempts; "
                    + "try again later or request a higher quota."
            )
        }
        if status >= 500 {
            return error(
                .unavailable,
                "Secrets Manager failed \(call.operation) of \(subject) with HTTP \(status) (\(code)) after "
                    + "\(attempts) attempts."
            )
        }
        return error(
            .invalidRequest,
            "Secrets Manager refused \(call.operation) of \(subject) with HTTP \(status) (\(code))."
        )
    }
}

extension String {
    /// The sentence form: first letter upper-cased.
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
