import CfgAWSAuth
import CfgBackend
import CfgHTTP
import CfgSecure
import FoundationEssentials

/// The body of a Vault AWS IAM login (`POST auth/MOUNT/login`), built as `vault login -method=aws` builds it.
///
/// cfg signs an `sts:GetCallerIdentity` request with SigV4 but does not send it: Vault replays it to STS and
/// learns from the answer which IAM principal signed it. The body carries the request's method, and its URL, body
/// and headers each base64-encoded (the headers as a JSON object of arrays, the shape of Go's `http.Header`, which
/// is what Vault's own CLI helper sends). The headers hold the session token and the signature, so the JSON is
/// built in secure memory.
///
/// What is signed follows the Go SDK the Vault CLI uses: `content-type`, `host`, `x-amz-date`,
/// `x-amz-security-token` (temporary credentials) and `x-vault-aws-iam-server-id` (when configured, as a mount
/// with `iam_server_id_header_value` requires). `Content-Length` is neither signed nor listed: Vault's HTTP client
/// sets it when it replays the body. `Host` is listed, which Vault accepts, and it equals the URL's host.
struct VaultAWSLogin: Sendable {
    /// STS's global endpoint, which signs for `us-east-1`.
    static let globalEndpoint = "https://sts.amazonaws.com/"
    /// The region signed for when none is configured (the global endpoint's).
    static let defaultRegion = "us-east-1"
    /// The query-protocol form of `GetCallerIdentity`.
    static let callerIdentityBody = "Action=GetCallerIdentity&Version=2011-06-15"
    /// What AWS SDKs send with a query-protocol call.
    static let contentType = "application/x-www-form-urlencoded; charset=utf-8"
    /// The header a mount's `iam_server_id_header_value` requires, signed.
    static let serverIDHeader = "X-Vault-AWS-IAM-Server-ID"

    /// The auth mount, for messages.
    var mount: String
    /// The Vault role; nil lets Vault pick the role named like the IAM principal.
    var role: String?
    /// The STS region; nil signs for `us-east-1` and uses the global endpoint.
    var region: String?
    /// The value of `X-Vault-AWS-IAM-Server-ID`; nil sends no such header.
    var serverID: String?

    /// The region the request is signed for.
    var signingRegion: String { region ?? Self.defaultRegion }

    /// `https://sts.amazonaws.com/`, or the regional endpoint (`https://sts.eu-west-1.amazonaws.com/`; China's
    /// regions are under `amazonaws.com.cn`).
    var endpoint: String {
        guard let region else { return Self.globalEndpoint }
        let domain = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return "https://sts.\(region).\(domain)/"
    }

    /// The signed `sts:GetCallerIdentity` request as of `date`.
    func signedRequest(credentials: AWSCredentials, date: Date) -> HTTPRequest {
        var headers = [HTTPHeader("Content-Type", Self.contentType)]
        if let serverID { headers.append(HTTPHeader(Self.serverIDHeader, serverID)) }
        let request = HTTPRequest(
            method: .post,
            url: endpoint,
            headers: headers,
            body: Secret(copying: Self.callerIdentityBody)
        )
        return SigV4Signer(service: "sts", region: signingRegion).sign(request, credentials: credentials, date: date)
    }

    /// The login body: credentials from `provider`, signed at `now()` (read after the credentials arrive, so a slow
    /// credential source does not age the signature).
    ///
    /// - Throws: `.authenticationFailed` naming the mount when there is no provider or it has no credentials.
    func body(
        using provider: (any AWSCredentialProvider)?,
        now: @Sendable () -> Date
    ) async throws(BackendError) -> Secret {
        guard let provider else { throw .vaultAWSNoCredentialProvider(mount: mount) }
        let credentials: AWSCredentials
        do {
            credentials = try await provider.credentials()
        } catch {
            throw .vaultAWSCredentials(mount: mount, error)
        }
        return try body(credentials: credentials, date: now())
    }

    /// The login body for `credentials` signed as of `date`.
    ///
    /// - Throws: `.authenticationFailed` when the session token is not UTF-8 text (JSON cannot carry it).
    func body(credentials: AWSCredentials, date: Date) throws(BackendError) -> Secret {
        let signed = signedRequest(credentials: credentials, date: date)
        let headers = try headersJSON(signed.headers)
        let writer = SecureJSONWriter()
        writer.beginObject()
        if let role {
            writer.key("role")
            writer.string(role)
        }
        writer.key("iam_http_request_method")
        writer.string(signed.method.rawValue)
        writer.key("iam_request_url")
        writer.string(Base64Codec.encode(Array(signed.url.utf8), variant: .standard))
        writer.key("iam_request_body")
        writer.string(Base64Codec.encode(Array(Self.callerIdentityBody.utf8), variant: .standard))
        writer.key("iam_request_headers")
        try append(Base64Codec.encode(headers, variant: .standard), to: writer)
        writer.endObject()
        return writer.finish()
    }

    /// `{"Name": ["value", …], …}` in the order the headers were sent (repeated names grouped under the first
    /// spelling), as Go's `json.Marshal(http.Header)` writes them.
    private func headersJSON(_ headers: [HTTPHeader]) throws(BackendError) -> Secret {
        var names: [String] = []
        var values: [String: [Secret]] = [:]
        for header in headers {
            let key = header.name.lowercased()
            if values[key] == nil { names.append(header.name) }
            values[key, default: []].append(header.value)
        }
        let writer = SecureJSONWriter()
        writer.beginObject()
        for name in names {
            writer.key(name)
            writer.beginArray()
            for value in values[name.lowercased()] ?? [] {
                try append(value, to: writer)
            }
            writer.endArray()
        }
        writer.endObject()
        return writer.finish()
    }

    /// Writes secret text as a JSON string; the only value that can fail is a session token that is not UTF-8.
    private func append(_ value: Secret, to writer: SecureJSONWriter) throws(BackendError) {
        do {
            try writer.string(value)
        } catch {
            throw .vaultAWSTokenNotText(mount: mount)
        }
    }
}

/// The AWS IAM login's failures: one sentence naming the method and mount and what to do; never a key, a token, a
/// header or Vault's answer.
extension BackendError {
    static func vaultAWSNoCredentialProvider(mount: String) -> BackendError {
        BackendError(
            .authenticationFailed,
            backend: vaultKind,
            message:
                "Vault aws login at auth/\(mount) cannot sign its request: this build has no AWS credential source "
                + "for it; use another backend.auth method."
        )
    }

    static func vaultAWSCredentials(mount: String, _ error: AWSCredentialError) -> BackendError {
        var reason = error.message
        while reason.hasSuffix(".") { reason.removeLast() }
        return BackendError(
            .authenticationFailed,
            backend: vaultKind,
            message: "Vault aws login at auth/\(mount) could not get AWS credentials: \(reason)."
        )
    }

    static func vaultAWSTokenNotText(mount: String) -> BackendError {
        BackendError(
            .authenticationFailed,
            backend: vaultKind,
            message:
                "Vault aws login at auth/\(mount) cannot send the AWS session token: it is not UTF-8 text; check "
                + "where the AWS credentials come from."
        )
    }

    static func vaultAWSLoginFailed(mount: String, status: Int) -> BackendError {
        BackendError(
            .authenticationFailed,
            backend: vaultKind,
            message:
                "Vault aws login at auth/\(mount) failed (HTTP \(status)): Vault or STS did not accept the signed "
                + "sts:GetCallerIdentity request; check backend.auth.role, that the role binds this AWS principal, and "
                + "that backend.auth.server_id and region match the mount's iam_server_id_header_value and sts_region."
        )
    }
}
