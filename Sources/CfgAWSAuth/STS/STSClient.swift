package import CfgHTTP
import CfgSecure
package import FoundationEssentials

/// The two STS calls the credential chain makes, over the query protocol: `POST <endpoint>/` with a form body
/// `Action=…&Version=2011-06-15&…`, answered in XML.
///
/// `AssumeRoleWithWebIdentity` is unsigned (the token is the proof); `AssumeRole` is signed with SigV4 (service
/// `sts`) by the source credentials. Bodies and answers stay in guarded memory. Failures name the role ARN,
/// the endpoint and STS's error code, never the token, the message or a body: STS messages may quote the
/// token's claims.
package struct STSClient: Sendable, CustomStringConvertible {
    /// The query-protocol API version.
    package static let apiVersion = "2011-06-15"

    /// `https://sts.eu-west-1.amazonaws.com`, without a trailing `/`.
    package var endpoint: String
    /// The signing region of `AssumeRole`.
    package var region: String
    package var transport: any HTTPTransport
    /// The clock for signatures and default session names.
    package var now: @Sendable () -> Date
    /// The longest one request may take.
    package var timeout: Duration
    /// Tries per call: transport failures, 5xx answers and throttling are retried.
    package var maxAttempts: Int
    /// The pause before the second try; doubled before each further one.
    package var retryDelay: Duration
    /// The largest answer accepted: an AssumeRole answer is about 2 KiB of XML.
    static let maxResponseBytes = 64 << 10

    package init(
        endpoint: String,
        region: String,
        transport: any HTTPTransport,
        now: @escaping @Sendable () -> Date = { Date() },
        timeout: Duration = .seconds(20),
        maxAttempts: Int = 3,
        retryDelay: Duration = .milliseconds(500)
    ) {
        self.endpoint = endpoint
        self.region = region
        self.transport = transport
        self.now = now
        self.timeout = timeout
        self.maxAttempts = max(1, maxAttempts)
        self.retryDelay = retryDelay
    }

    /// The endpoint only.
    package var description: String { "STSClient(\(endpoint))" }

    /// `cfg-<epoch seconds>`, the session name when none is configured.
    package func defaultSessionName() -> String {
        "cfg-\(Int(now().timeIntervalSince1970))"
    }

    /// `AssumeRoleWithWebIdentity`: exchanges the token in `tokenFile` (read now, so a rotated token is used)
    /// for temporary credentials of `roleARN`.
    ///
    /// - Parameters:
    ///   - roleARN: the role to assume.
    ///   - sessionName: `RoleSessionName`; nil uses ``defaultSessionName()``.
    ///   - tokenFile: the file holding the OIDC token (a projected service-account token on EKS).
    ///   - tokenFileSetting: where the path was set (`AWS_WEB_IDENTITY_TOKEN_FILE`, `~/.aws/config:7`), for
    ///     messages.
    ///   - durationSeconds: `DurationSeconds` (900…43200); nil leaves it to the role.
    ///   - source: how the credentials are described (`AWSCredentials/source`).
    /// - Throws: `.configuration` for an unreadable or empty token file, `.rejected` when STS refuses,
    ///   `.unreachable` when it does not answer, `.malformed` when the answer holds no credentials.
    package func assumeRoleWithWebIdentity(
        roleARN: String,
        sessionName: String? = nil,
        tokenFile: String,
        tokenFileSetting: String,
        durationSeconds: Int? = nil,
        source: String
    ) async throws(AWSCredentialError) -> AWSCredentials {
        let token = try CredentialText.readToken(tokenFile, what: "web identity token", setting: tokenFileSetting)
        let form = STSForm()
        form.add("Action", "AssumeRoleWithWebIdentity")
        form.add("Version", Self.apiVersion)
        form.add("RoleArn", roleARN)
        form.add("RoleSessionName", sessionName ?? defaultSessionName())
        form.add("WebIdentityToken", secret: token)
        if let durationSeconds { form.add("DurationSeconds", String(durationSeconds)) }
        let body = form.finish()
        return try await call(action: "AssumeRoleWithWebIdentity", roleARN: roleARN, source: source) { _ in
            request(body: body)
        }
    }

    /// `AssumeRole`, signed by `credentials`.
    ///
    /// - Parameters:
    ///   - roleARN: the role to assume.
    ///   - sessionName: `RoleSessionName`; nil uses ``defaultSessionName()``.
    ///   - externalID: `ExternalId`, when the role's trust policy requires one.
    ///   - durationSeconds: `DurationSeconds` (900…43200); nil leaves it to the role.
    ///   - credentials: the source credentials that sign the call.
    ///   - source: how the new credentials are described.
    /// - Throws: `.rejected` when STS refuses, `.unreachable` when it does not answer, `.malformed` when the
    ///   answer holds no credentials.
    package func assumeRole(
        roleARN: String,
        sessionName: String? = nil,
        externalID: String? = nil,
        durationSeconds: Int? = nil,
        credentials: AWSCredentials,
        source: String
    ) async throws(AWSCredentialError) -> AWSCredentials {
        let form = STSForm()
        form.add("Action", "AssumeRole")
        form.add("Version", Self.apiVersion)
        form.add("RoleArn", roleARN)
        form.add("RoleSessionName", sessionName ?? defaultSessionName())
        if let externalID { form.add("ExternalId", externalID) }
        if let durationSeconds { form.add("DurationSeconds", String(durationSeconds)) }
        let body = form.finish()
        let signer = SigV4Signer(service: "sts", region: region)
        return try await call(action: "AssumeRole", roleARN: roleARN, source: source) { date in
            signer.sign(request(body: body), credentials: credentials, date: date)
        }
    }

    // MARK: - Sending

    /// `POST <endpoint>/` with the form body.
    private func request(body: Secret) -> HTTPRequest {
        HTTPRequest(
            method: .post,
            url: endpoint + "/",
            headers: [
                HTTPHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                HTTPHeader("Accept", "text/xml"),
            ],
            body: body,
            timeout: timeout,
            maxResponseBytes: Self.maxResponseBytes
        )
    }

    /// What one try came to.
    private enum Attempt {
        case done(AWSCredentials)
        /// Worth another try; the error stands if none is left.
        case retry(AWSCredentialError)
        case failed(AWSCredentialError)
    }

    /// Sends the request (built afresh per try, so a signature carries the try's time) until it succeeds,
    /// fails for good or the tries run out.
    private func call(
        action: String,
        roleARN: String,
        source: String,
        build: (Date) -> HTTPRequest
    ) async throws(AWSCredentialError) -> AWSCredentials {
        var delay = retryDelay
        var lastError = AWSCredentialError(.unreachable, "STS at \(endpoint) was not called.")
        for attempt in 1...maxAttempts {
            if attempt > 1 {
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    throw AWSCredentialError(.unreachable, "The STS \(action) call for \(roleARN) was cancelled.")
                }
                delay *= 2
            }
            switch await once(build(now()), action: action, roleARN: roleARN, source: source) {
            case .done(let credentials): return credentials
            case .failed(let error): throw error
            case .retry(let error): lastError = error
            }
        }
        throw lastError
    }

    /// One try.
    private func once(_ request: HTTPRequest, action: String, roleARN: String, source: String) async -> Attempt {
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch {
            let verb = error.kind == .responseTooLarge ? "sent too large an answer to" : "did not answer"
            let failure = AWSCredentialError(
                .unreachable,
                "STS at \(endpoint) \(verb) the \(action) call for \(roleARN) (\(error.message)); "
                    + "check the network, proxy settings and AWS_ENDPOINT_URL_STS."
            )
            switch error.kind {
            case .unreachable, .timeout, .transfer: return .retry(failure)
            default: return .failed(failure)
            }
        }
        guard (200...299).contains(response.status) else {
            return rejection(response, action: action, roleARN: roleARN)
        }
        guard let fields = STSXML.credentials(in: response.body) else {
            return .failed(
                AWSCredentialError(
                    .malformed,
                    "STS at \(endpoint) answered the \(action) call for \(roleARN) without credentials; check that "
                        + "the endpoint is STS."
                )
            )
        }
        guard let expiration = Timestamp.rfc3339(fields.expiration) else {
            return .failed(
                AWSCredentialError(
                    .malformed,
                    "STS at \(endpoint) answered the \(action) call for \(roleARN) with an unreadable expiry time."
                )
            )
        }
        return .done(
            AWSCredentials(
                accessKeyID: fields.accessKeyID,
                secretAccessKey: fields.secretAccessKey,
                sessionToken: fields.sessionToken,
                expiration: expiration,
                source: source
            )
        )
    }

    /// Error codes that are worth another try.
    private static let transientCodes: Set<String> = [
        "Throttling", "ThrottlingException", "RequestLimitExceeded", "IDPCommunicationError", "ServiceUnavailable",
        "InternalFailure", "InternalError", "RequestTimeout",
    ]

    /// A non-2xx answer: its code (never its message), and what to check.
    private func rejection(_ response: HTTPResponse, action: String, roleARN: String) -> Attempt {
        let code = STSXML.errorCode(in: response.body)
        let what = code.map { "\($0), HTTP \(response.status)" } ?? "HTTP \(response.status)"
        if response.status >= 500 || code.map(Self.transientCodes.contains) == true {
            return .retry(
                AWSCredentialError(
                    .unreachable,
                    "STS at \(endpoint) failed the \(action) call for \(roleARN) (\(what)); try again later."
                )
            )
        }
        return .failed(
            AWSCredentialError(
                .rejected,
                "STS at \(endpoint) refused \(action) for \(roleARN) (\(what)); \(Self.hint(code, action: action))."
            )
        )
    }

    /// What to check for a refusal.
    private static func hint(_ code: String?, action: String) -> String {
        switch code {
        case "AccessDenied":
            "check that the role's trust policy allows this caller and the role ARN is right"
        case "InvalidIdentityToken", "ExpiredToken", "IDPRejectedClaim", "ExpiredTokenException":
            action == "AssumeRoleWithWebIdentity"
                ? "check the web identity token file and the role's OIDC provider and trust policy"
                : "the source credentials have expired or are invalid"
        case "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException":
            "check the source credentials that sign the call"
        case "RegionDisabledException":
            "activate STS in this region or use another region"
        case "MalformedPolicyDocument", "PackedPolicyTooLarge", "ValidationError":
            "check the role ARN, session name and duration"
        default:
            "check the role ARN and the role's trust policy"
        }
    }
}
