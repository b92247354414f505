package import CfgHTTP
import CfgSecure
package import FoundationEssentials
import Synchronization

/// EC2 instance-profile credentials over IMDSv2: a session token from `PUT /latest/api/token`, then the role
/// name from `GET /latest/meta-data/iam/security-credentials/` and the credentials from
/// `GET …/security-credentials/ROLE`, both with `X-aws-ec2-metadata-token`.
///
/// The endpoint is `http://169.254.169.254`, `http://[fd00:ec2::254]` with
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6`, or `AWS_EC2_METADATA_SERVICE_ENDPOINT`. With
/// `AWS_EC2_METADATA_DISABLED=true` there is no provider at all, so nothing is ever sent. As in botocore,
/// requests time out after 1 s; a `GET` that fails is tried once more, and a `401` fetches a new token once.
/// The session token is kept (guarded) for reuse until shortly before its six hours are up.
package final class InstanceMetadataCredentialProvider: AWSCredentialProvider, CustomStringConvertible,
    CustomReflectable
{
    package static let defaultEndpoint = "http://169.254.169.254"
    package static let ipv6Endpoint = "http://[fd00:ec2::254]"
    /// The session token's lifetime asked for, in seconds (the most IMDS allows).
    static let tokenLifetime = 21_600

    /// What a fetch came to: the chain reads ``unavailable`` as "not on EC2" and moves on.
    enum Outcome: Sendable {
        case credentials(AWSCredentials)
        /// No metadata service answered, or the instance has no role.
        case unavailable(String)
        case failure(AWSCredentialError)
    }

    private struct SessionToken {
        var value: Secret
        var obtained: Date
    }

    /// `http://169.254.169.254` or the override, without a trailing `/`.
    let endpoint: String
    let transport: any HTTPTransport
    let now: @Sendable () -> Date
    let timeout: Duration
    /// Tries per `GET`.
    let attempts: Int
    /// The largest answer accepted: a token, a role name or credentials in JSON are a few KiB.
    static let maxResponseBytes = 64 << 10
    private let token = Mutex<SessionToken?>(nil)

    init(
        endpoint: String,
        transport: any HTTPTransport,
        now: @escaping @Sendable () -> Date,
        timeout: Duration = .seconds(1),
        attempts: Int = 2
    ) {
        self.endpoint = endpoint
        self.transport = transport
        self.now = now
        self.timeout = timeout
        self.attempts = max(1, attempts)
    }

    /// Whether `AWS_EC2_METADATA_DISABLED` turns instance metadata off (`true`, any case).
    package static func isDisabled(_ processEnvironment: [String: String]) -> Bool {
        processEnvironment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true"
    }

    /// The provider the variables describe, or nil when instance metadata is disabled.
    ///
    /// - Throws: `.configuration` naming the variable that holds an unusable endpoint or mode.
    package static func fromEnvironment(
        _ processEnvironment: [String: String],
        transport: any HTTPTransport,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws(AWSCredentialError) -> InstanceMetadataCredentialProvider? {
        guard !isDisabled(processEnvironment) else { return nil }
        let endpoint: String
        if let value = processEnvironment["AWS_EC2_METADATA_SERVICE_ENDPOINT"], !value.isEmpty {
            endpoint = try AWSEndpoint.validated(value, source: "AWS_EC2_METADATA_SERVICE_ENDPOINT")
        } else {
            switch processEnvironment["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"]?.lowercased() {
            case nil, "", "ipv4": endpoint = defaultEndpoint
            case "ipv6": endpoint = ipv6Endpoint
            default:
                throw AWSCredentialError(
                    .configuration,
                    "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE must be IPv4 or IPv6; fix or unset it."
                )
            }
        }
        return InstanceMetadataCredentialProvider(endpoint: endpoint, transport: transport, now: now)
    }

    package func credentials() async throws(AWSCredentialError) -> AWSCredentials {
        switch await fetch() {
        case .credentials(let credentials): return credentials
        case .unavailable(let reason):
            throw AWSCredentialError(.unreachable, "No instance metadata credentials: \(reason).")
        case .failure(let error): throw error
        }
    }

    /// An IAM role name: 1 to 64 of `A-Z a-z 0-9 + = , . @ _ -`.
    static func isRoleName(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                        || "+=,.@_-".unicodeScalars.contains(scalar))
            }
    }

    /// Token, role name, credentials.
    func fetch() async -> Outcome {
        var session: Secret
        switch await sessionToken(renew: false) {
        case .success(let value): session = value
        case .failure(let error): return error.outcome
        }
        let listPath = "/latest/meta-data/iam/security-credentials/"
        let list: HTTPResponse
        switch await get(listPath, session: &session) {
        case .success(let response): list = response
        case .failure(let error): return error.outcome
        }
        if list.status == 404 {
            return .unavailable("the instance at \(endpoint) has no IAM role (instance profile) attached")
        }
        guard list.status == 200 else { return .failure(refusal(list.status, what: "the role name")) }
        // The role name is not secret; it is needed as text for the next path and messages.
        let role =
            list.body.stringValue()?.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first
            .map { CredentialText.trimmed(String($0)) } ?? ""
        guard !role.isEmpty else {
            return .unavailable("the instance at \(endpoint) has no IAM role (instance profile) attached")
        }
        // Only a real IAM role name goes into a path and into messages: anything else the endpoint sent (which
        // could be any document, secrets included) is never echoed.
        guard Self.isRoleName(role) else {
            return .failure(
                AWSCredentialError(
                    .malformed,
                    "Instance metadata at \(endpoint) answered the role-name request with something that is not an "
                        + "IAM role name; check AWS_EC2_METADATA_SERVICE_ENDPOINT."
                )
            )
        }
        let answer: HTTPResponse
        switch await get(listPath + SigV4Encoding.encode(role), session: &session) {
        case .success(let response): answer = response
        case .failure(let error): return error.outcome
        }
        guard answer.status == 200 else { return .failure(refusal(answer.status, what: "credentials of role \(role)")) }
        let code = CredentialDocument.errorCode(in: answer.body, key: "Code")
        guard code == "Success" else {
            return .failure(
                AWSCredentialError(
                    .rejected,
                    "Instance metadata at \(endpoint) did not issue credentials for role \(role) (Code "
                        + "\(code ?? "missing")); check the instance profile."
                )
            )
        }
        do {
            return .credentials(
                try CredentialDocument.credentials(
                    in: answer.body,
                    endpoint: "Instance metadata at \(endpoint)",
                    source: "instance metadata (role \(role))"
                )
            )
        } catch {
            return .failure(error)
        }
    }

    private func refusal(_ status: Int, what: String) -> AWSCredentialError {
        AWSCredentialError(
            .rejected,
            "Instance metadata at \(endpoint) refused \(what) (HTTP \(status)); check the instance's metadata options."
        )
    }

    /// The cached session token, or a new one from `PUT /latest/api/token`.
    private func sessionToken(renew: Bool) async -> Result<Secret, OutcomeError> {
        let current = now()
        if !renew, let cached = token.withLock({ $0 }),
            current.timeIntervalSince(cached.obtained) < Double(Self.tokenLifetime - 60)
        {
            return .success(cached.value)
        }
        let request = HTTPRequest(
            method: .put,
            url: endpoint + "/latest/api/token",
            headers: [HTTPHeader("X-aws-ec2-metadata-token-ttl-seconds", String(Self.tokenLifetime))],
            timeout: timeout,
            maxResponseBytes: Self.maxResponseBytes
        )
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch {
            return .failure(
                OutcomeError(.unavailable("instance metadata at \(endpoint) did not answer (\(error.message))"))
            )
        }
        let value = CredentialText.trimmed(response.body)
        guard response.status == 200, !value.isEmpty else {
            return .failure(
                OutcomeError(
                    .failure(
                        AWSCredentialError(
                            .rejected,
                            "Instance metadata at \(endpoint) refused a session token (HTTP \(response.status)); "
                                + "IMDSv2 must be enabled, and containers on the instance need a hop limit of 2."
                        )
                    )
                )
            )
        }
        token.withLock { $0 = SessionToken(value: value, obtained: current) }
        return .success(value)
    }

    /// `GET endpoint+path` with the session token; a `401` renews the token once, a failed try is repeated.
    private func get(_ path: String, session: inout Secret) async -> Result<HTTPResponse, OutcomeError> {
        var renewed = false
        var attempt = 0
        while true {
            attempt += 1
            let request = HTTPRequest(
                method: .get,
                url: endpoint + path,
                headers: [HTTPHeader("X-aws-ec2-metadata-token", secret: session)],
                timeout: timeout,
                maxResponseBytes: Self.maxResponseBytes
            )
            let response: HTTPResponse
            do {
                response = try await transport.send(request)
            } catch {
                if attempt < attempts, error.kind != .cancelled, error.kind != .responseTooLarge { continue }
                return .failure(
                    OutcomeError(
                        .failure(
                            AWSCredentialError(
                                .unreachable,
                                "Instance metadata at \(endpoint) stopped answering (\(error.message)); try again."
                            )
                        )
                    )
                )
            }
            if response.status == 401, !renewed {
                renewed = true
                switch await sessionToken(renew: true) {
                case .success(let value): session = value
                case .failure(let outcome): return .failure(outcome)
                }
                continue
            }
            if response.status >= 500, attempt < attempts { continue }
            return .success(response)
        }
    }

    /// An ``Outcome`` carried through `Result`.
    private struct OutcomeError: Error {
        var outcome: Outcome
        init(_ outcome: Outcome) { self.outcome = outcome }
    }

    /// The endpoint only.
    package var description: String { "instance metadata at \(endpoint)" }

    /// The endpoint only.
    package var customMirror: Mirror { Mirror(self, children: ["endpoint": endpoint], displayStyle: .class) }
}
