import CfgBackend
import CfgHTTP
import CfgSecure
import FoundationEssentials

/// One Vault API call: what to send and how to name it in an error.
struct VaultCall: Sendable {
    var method: HTTPMethod
    /// The API path after `/v1/`, segments already percent-encoded (`secret/data/airflow/prod/db`).
    var apiPath: String
    /// A non-secret query (`version=3`).
    var query: String?
    var body: Secret?
    /// What the call does, for messages: `read of secret 'airflow/prod/db'`.
    var action: String
    /// The secret the call is about, if any.
    var secretPath: SecretPath?
    /// Statuses the caller interprets itself (404 for a read, 400 for a check-and-set write).
    var accepted: Set<Int> = []
}

/// A Vault answer: its status and body (secure memory), parsed on demand.
struct VaultResponse: Sendable {
    var status: Int
    var body: Secret

    /// The JSON body; nil when the body is empty (204).
    func json(_ call: VaultCall) throws(BackendError) -> SecureJSON? {
        guard !body.isEmpty else { return nil }
        do {
            return try SecureJSON(parsing: body)
        } catch {
            throw .vaultMalformedAnswer(call, detail: error.description)
        }
    }

    /// Vault's error strings (`{"errors":[…]}`), for classification only: they never go into a message.
    func errorTexts() -> [String] {
        guard !body.isEmpty, let document = try? SecureJSON(parsing: body) else { return [] }
        return document.root["errors"]?.elements.compactMap { $0.text() } ?? []
    }
}

/// Sends Vault API calls over an ``HTTPTransport``: the address, `/v1/`, the token and namespace headers,
/// retries with jittered backoff, and one classification of failures into ``BackendError``s.
struct VaultClient: Sendable {
    /// The largest answer to one call: 1 MiB, the default `max_entry_size` of Vault's integrated storage (so a
    /// KV secret larger than this cannot be stored there), and far more than a login, a lease or a token needs.
    static let maxResponseBytes = 1 << 20

    var settings: VaultSettings
    var transport: any HTTPTransport
    var policy: VaultRetryPolicy
    /// Waits between retries (injected so tests need not sleep).
    var sleep: @Sendable (Duration) async throws -> Void
    /// A number in `0..<1` for the jitter (injected so tests are deterministic).
    var random: @Sendable () -> Double

    init(
        settings: VaultSettings,
        transport: any HTTPTransport,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.settings = settings
        self.transport = transport
        self.policy = VaultRetryPolicy(maxRetries: settings.maxRetries, budget: settings.http.totalTimeout)
        self.sleep = sleep
        self.random = random
    }

    /// Sends a call with `token` (nil for a login); retries 412 and 5xx (not 501) within the policy.
    ///
    /// - Returns: the response for a 2xx status or a status in `call.accepted`.
    /// - Throws: a classified ``BackendError`` naming the call, never a value.
    func send(_ call: VaultCall, token: Secret?) async throws(BackendError) -> VaultResponse {
        let request = httpRequest(call, token: token)
        let clock = ContinuousClock()
        let start = clock.now
        var retry = 0
        while true {
            let response: HTTPResponse
            do {
                response = try await transport.send(request)
            } catch {
                throw .vaultTransport(call, address: settings.address, error: error)
            }
            let answer = VaultResponse(status: response.status, body: response.body)
            if (200...299).contains(answer.status) {
                return answer
            }
            // A 404 the caller reads as "no such secret" is still an error when no engine serves the path.
            if call.accepted.contains(answer.status), !(answer.status == 404 && Self.isMissingRoute(answer)) {
                return answer
            }
            if VaultRetryPolicy.isRetryable(status: answer.status),
                let wait = policy.delay(beforeRetry: retry, elapsed: clock.now - start, random: random())
            {
                retry += 1
                do {
                    try await sleep(wait)
                } catch {
                    throw .vaultCancelled(call)
                }
                continue
            }
            throw classify(answer, call: call, attempts: retry + 1)
        }
    }

    /// Headers every call or every call with a body sends, made once so that the transport reuses their lines.
    static let requestHeader = HTTPHeader("X-Vault-Request", "true")
    static let jsonBodyHeader = HTTPHeader("Content-Type", "application/json")

    /// The HTTP request for a call.
    func httpRequest(_ call: VaultCall, token: Secret?) -> HTTPRequest {
        var url = settings.address + "/v1/" + call.apiPath
        if let query = call.query { url += "?" + query }
        var headers = [Self.requestHeader]
        if let token { headers.append(HTTPHeader("X-Vault-Token", secret: token)) }
        if let namespace = settings.namespace { headers.append(HTTPHeader("X-Vault-Namespace", namespace)) }
        if call.body != nil { headers.append(Self.jsonBodyHeader) }
        return HTTPRequest(
            method: call.method,
            url: url,
            headers: headers,
            body: call.body,
            maxResponseBytes: Self.maxResponseBytes
        )
    }

    /// Vault's answer when nothing is mounted at a path (a wrong mount, KV version or namespace).
    static func isMissingRoute(_ answer: VaultResponse) -> Bool {
        answer.errorTexts().contains { text in
            let lower = text.lowercased()
            return lower.contains("no handler for route") || lower.contains("unsupported path")
        }
    }

    /// A failed answer as a ``BackendError``: status and Vault's known phrases pick the code and the sentence.
    func classify(_ answer: VaultResponse, call: VaultCall, attempts: Int) -> BackendError {
        let texts = answer.errorTexts().map { $0.lowercased() }
        func says(_ phrase: String) -> Bool { texts.contains { $0.contains(phrase) } }
        switch answer.status {
        case 503 where says("sealed"):
            return .vaultSealed(call, address: settings.address)
        case 429 where says("rate limit quota"):
            return .vaultThrottled(call, address: settings.address, attempts: attempts)
        case 429, 472, 473:
            return .vaultStandby(call, address: settings.address, status: answer.status)
        case 403:
            return .vaultDenied(call)
        case 404 where Self.isMissingRoute(answer):
            return .vaultNoRoute(call)
        case 404:
            return .vaultNotFound(call)
        case 400 where says("check-and-set"):
            return .vaultConflict(call)
        case 500...599:
            return .vaultServerError(call, status: answer.status, attempts: attempts)
        default:
            return .vaultRejected(call, status: answer.status)
        }
    }
}

/// Path helpers: every segment percent-encoded (RFC 3986 unreserved characters kept).
enum VaultPath {
    /// `airflow/prod/db` → `airflow/prod/db`; `a b/c%` → `a%20b/c%25`. Empty segments are dropped.
    static func encoded(_ path: String) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var result: [UInt8] = []
        result.reserveCapacity(path.utf8.count)
        for segment in path.utf8.split(separator: UInt8(ascii: "/")) {
            if !result.isEmpty { result.append(UInt8(ascii: "/")) }
            for byte in segment {
                if (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                    || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
                {
                    result.append(byte)
                } else {
                    result += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
                }
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// `mount` + `/` + `rest`, each encoded.
    static func join(_ parts: String...) -> String {
        parts.map(encoded).filter { !$0.isEmpty }.joined(separator: "/")
    }
}
