package import CfgAWSAuth
package import CfgBackend
package import CfgHTTP
package import CfgSecure
package import FoundationEssentials

/// One Secrets Manager API call: the operation, its JSON body and what it concerns, for messages.
struct SecretsManagerCall: Sendable {
    /// `GetSecretValue`, `BatchGetSecretValue`, …
    var operation: String
    /// The JSON request body (it holds the value for writes, so it stays a ``Secret``).
    var body: Secret
    /// What the call is about, for messages: `secret 'airflow/prod/db'`, `a batch of 20 secrets`.
    var subject: String
    /// The secret concerned, when there is one.
    var path: SecretPath?
}

/// Why a call failed, before it becomes a ``BackendError``: callers decide some service errors themselves
/// (`ResourceExistsException` is a conflict for a create; `AccessDeniedException` on a batch falls back to
/// single reads).
enum SecretsManagerFailure: Error, Sendable {
    /// The service answered with an error: its bare code (`ResourceNotFoundException`), the HTTP status, how
    /// many attempts were made, and how far our clock was from the server's `Date` (seconds; nil if unknown).
    case service(code: String, status: Int, attempts: Int, clockSkew: TimeInterval?)
    /// No answer: the transport's failure after the retries.
    case transport(HTTPError, attempts: Int)
    /// No credentials to sign with.
    case credentials(AWSCredentialError)
    /// The answer was not the JSON the API promises.
    case malformed(String)
    case cancelled

    /// The service error code, if the service answered with one.
    var serviceCode: String? {
        if case .service(let code, _, _, _) = self { return code }
        return nil
    }
}

/// Sends Secrets Manager calls (AWS JSON 1.1 over `POST /`), signed with SigV4 at each attempt, retried on
/// throttling, 5xx and lost connections with full-jitter backoff inside a total time budget.
package struct SecretsManagerClient: Sendable {
    /// `https://secretsmanager.REGION.amazonaws.com` or an override.
    package var endpoint: String
    package var region: String
    package var credentials: any AWSCredentialProvider
    package var transport: any HTTPTransport
    package var policy: RetryPolicy
    /// The signing time (injected so tests are deterministic).
    package var now: @Sendable () -> Date
    /// Waits between retries (injected so tests need not sleep).
    package var sleep: @Sendable (Duration) async throws -> Void
    /// A number in `0..<1` for the jitter.
    package var random: @Sendable () -> Double

    /// Throttling codes AWS lists as retryable (Secrets Manager quotas page), plus the generic 5xx codes.
    static let retryableCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete", "Throttling", "ThrottlingException",
        "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "InternalFailure",
        "InternalServiceError", "ServiceUnavailable",
    ]

    /// Codes that mean "slow down" rather than "broken", for the message after the last retry.
    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "RequestThrottled", "SlowDown",
    ]

    package init(
        endpoint: String,
        region: String,
        credentials: any AWSCredentialProvider,
        transport: any HTTPTransport,
        policy: RetryPolicy = RetryPolicy(
            maxRetries: 2,
            baseDelay: .milliseconds(200),
            maxDelay: .seconds(20),
            budget: .seconds(60)
        ),
        now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.transport = transport
        self.policy = policy
        self.now = now
        self.sleep = sleep
        self.random = random
    }

    /// The most one value can take in an answer: Secrets Manager's quota for `SecretString` and `SecretBinary`
    /// (65,536 bytes), with every byte escaped as `\u00XX` (6 bytes), the worst case of JSON escaping; base64 of
    /// a binary value (87,384 bytes) is smaller.
    static let maxEscapedValueBytes = 65_536 * 6
    /// Room for the other fields of one entry: ARN (at most 2,048 bytes), Name (512), VersionId (64), up to 20
    /// VersionStages of 256, dates and punctuation, each escaped, rounded up.
    static let entryOverheadBytes = 16 << 10
    /// The largest `GetSecretValue` answer accepted: one entry (409,600 bytes), rounded up to 512 KiB.
    package static let maxGetSecretValueResponseBytes = 512 << 10
    /// The largest `BatchGetSecretValue` answer accepted: a page of at most 20 entries (8,192,000 bytes), 20
    /// `Errors` entries and a `NextToken` (each well under 4 KiB), rounded up to 8 MiB.
    package static let maxBatchGetSecretValueResponseBytes = 8 << 20
    /// The largest answer to any other call (version lists of 100 entries, stage moves, writes): 1 MiB.
    package static let maxOtherResponseBytes = 1 << 20

    /// The largest answer accepted for `operation`.
    static func maxResponseBytes(for operation: String) -> Int {
        switch operation {
        case "GetSecretValue": maxGetSecretValueResponseBytes
        case "BatchGetSecretValue": maxBatchGetSecretValueResponseBytes
        default: maxOtherResponseBytes
        }
    }

    /// Whether a status and error code are worth another attempt.
    static func isRetryable(status: Int, code: String?) -> Bool {
        if let code, retryableCodes.contains(code) { return true }
        return status == 429 || status >= 500 && status != 501
    }

    /// Whether a transport failure is worth another attempt: a lost or refused connection or a timeout, not a
    /// TLS or proxy problem or an oversized answer (retrying would fail the same way).
    static func isRetryable(_ error: HTTPError) -> Bool {
        switch error.kind {
        case .unreachable, .timeout, .transfer: true
        case .tls, .proxy, .invalidRequest, .cancelled, .responseTooLarge: false
        }
    }

    /// Sends a call and returns the response body of a 2xx answer.
    func send(_ call: SecretsManagerCall) async throws(SecretsManagerFailure) -> Secret {
        let clock = ContinuousClock()
        let start = clock.now
        var attempt = 0
        while true {
            attempt += 1
            let outcome = await attemptOnce(call)
            let retryable: Bool
            switch outcome {
            case .success(let body):
                return body
            case .failure(.service(let code, let status, _, _)):
                retryable = Self.isRetryable(status: status, code: code)
            case .failure(.transport(let error, _)):
                retryable = Self.isRetryable(error)
            case .failure(let failure):
                throw failure
            }
            guard retryable,
                let wait = policy.delay(beforeRetry: attempt - 1, elapsed: clock.now - start, random: random())
            else {
                throw Self.counting(outcome, attempts: attempt)
            }
            do {
                try await sleep(wait)
            } catch {
                throw .cancelled
            }
        }
    }

    /// The failure of the last attempt with the number of attempts made.
    private static func counting(
        _ outcome: Result<Secret, SecretsManagerFailure>,
        attempts: Int
    )
        -> SecretsManagerFailure
    {
        switch outcome {
        case .failure(.service(let code, let status, _, let skew)):
            .service(code: code, status: status, attempts: attempts, clockSkew: skew)
        case .failure(.transport(let error, _)):
            .transport(error, attempts: attempts)
        case .failure(let failure):
            failure
        case .success:
            .malformed("no failure")
        }
    }

    /// One signed attempt.
    private func attemptOnce(_ call: SecretsManagerCall) async -> Result<Secret, SecretsManagerFailure> {
        let current: AWSCredentials
        do {
            current = try await credentials.credentials()
        } catch {
            return .failure(.credentials(error))
        }
        let date = now()
        let request = SigV4Signer(service: "secretsmanager", region: region)
            .sign(httpRequest(call), credentials: current, date: date)
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch {
            if error.kind == .cancelled { return .failure(.cancelled) }
            return .failure(.transport(error, attempts: 1))
        }
        if (200...299).contains(response.status) {
            return .success(response.body)
        }
        return .failure(
            .service(
                code: Self.errorCode(response) ?? "HTTP\(response.status)",
                status: response.status,
                attempts: 1,
                clockSkew: Self.clockSkew(response, sentAt: date)
            )
        )
    }

    /// The unsigned HTTP request for a call.
    func httpRequest(_ call: SecretsManagerCall) -> HTTPRequest {
        var url = endpoint
        if !url.dropFirst(8).contains("/") { url += "/" }
        return HTTPRequest(
            method: .post,
            url: url,
            headers: [
                HTTPHeader("Content-Type", "application/x-amz-json-1.1"),
                HTTPHeader("X-Amz-Target", "secretsmanager.\(call.operation)"),
            ],
            body: call.body,
            maxResponseBytes: Self.maxResponseBytes(for: call.operation)
        )
    }

    /// The bare error code of an AWS JSON 1.1 error: `__type` (or `code`) in the body, else the
    /// `x-amzn-ErrorType` header, with any `namespace#` prefix and `:http://…` suffix removed.
    static func errorCode(_ response: HTTPResponse) -> String? {
        var raw: String?
        if let document = try? SecureJSON(parsing: response.body) {
            raw = document.root["__type"]?.text() ?? document.root["code"]?.text() ?? document.root["Code"]?.text()
        }
        if raw == nil || raw?.isEmpty == true { raw = response.header("x-amzn-errortype") }
        guard var code = raw, !code.isEmpty else { return nil }
        if let colon = code.firstIndex(of: ":") { code = String(code[..<colon]) }
        if let hash = code.lastIndex(of: "#") { code = String(code[code.index(after: hash)...]) }
        return plausibleCode(code)
    }

    /// `code` if it looks like an AWS error code (1 to 64 ASCII letters and digits), else nil: codes go into
    /// messages, and an endpoint that is not AWS may put anything in that field.
    static func plausibleCode(_ code: String) -> String? {
        let valid =
            (1...64).contains(code.utf8.count)
            && code.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }
        return valid ? code : nil
    }

    /// How far the server's `Date` header is from the signing time, in seconds (positive: the server is ahead).
    static func clockSkew(_ response: HTTPResponse, sentAt date: Date) -> TimeInterval? {
        guard let header = response.header("date") else { return nil }
        guard let server = Timestamp.httpDate(header) else { return nil }
        return server.timeIntervalSince(date)
    }
}
