package import CfgHTTP
package import CfgSecure
package import FoundationEssentials
import Glibc

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`) over libsodium's SHA-256 and HMAC-SHA256.
///
/// Pure: the time is a parameter, so the official test suites run deterministically. The canonical request is
/// built in guarded memory because it contains the session token; it leaves only as a ``Secret``.
package struct SigV4Signer: Sendable {
    /// The signing name (`secretsmanager`, `sts`, `ecs`).
    package var service: String
    package var region: String
    /// Remove dot segments and empty segments from the path before encoding it (every service except S3).
    package var normalizePath: Bool
    /// Sign `X-Amz-Security-Token` (as botocore does); false adds it after signing.
    package var signSessionToken: Bool

    package init(service: String, region: String, normalizePath: Bool = true, signSessionToken: Bool = true) {
        self.service = service
        self.region = region
        self.normalizePath = normalizePath
        self.signSessionToken = signSessionToken
    }

    /// Headers botocore never signs: hop-by-hop headers, `user-agent` and `x-amzn-trace-id`, which proxies
    /// and SDKs change in flight.
    package static let unsignedHeaders: Set<String> = [
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    /// The SHA-256 of an empty body, in hex.
    package static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// What is signed of a request.
    package struct Input: Sendable {
        package var method: String
        /// The path as sent (already percent-encoded where the URL needed it); encoded again when signed.
        package var path: String
        /// The query string without `?` (empty for none).
        package var query: String
        /// The headers in the order sent; repeated names are joined with `,` in this order.
        package var headers: [HTTPHeader]
        /// Lower-case hex SHA-256 of the body.
        package var payloadHash: String

        package init(method: String, path: String, query: String, headers: [HTTPHeader], payloadHash: String) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    /// Every intermediate of a signature, for the test suites.
    package struct Signature: Sendable {
        package var canonicalRequest: Secret
        package var stringToSign: String
        package var signedHeaders: String
        /// Lower-case hex.
        package var signature: String
        /// The `Authorization` header value.
        package var authorization: String
    }

    /// Signs `request` as of `date`: adds `Host` (when absent), `X-Amz-Date`, `X-Amz-Security-Token` (for
    /// temporary credentials) and `Authorization`.
    package func sign(_ request: HTTPRequest, credentials: AWSCredentials, date: Date) -> HTTPRequest {
        var signed = request
        let url = SigV4URL(request.url)
        if !request.headers.contains(where: { $0.name.lowercased() == "host" }) {
            signed.headers.append(HTTPHeader("Host", url.host))
        }
        signed.headers.removeAll {
            let name = $0.name.lowercased()
            return name == "x-amz-date" || name == "authorization" || name == "x-amz-security-token"
        }
        signed.headers.append(HTTPHeader("X-Amz-Date", Self.timestamp(date)))
        if let token = credentials.sessionToken, signSessionToken {
            signed.headers.append(HTTPHeader("X-Amz-Security-Token", secret: token))
        }
        let payloadHash = Hex.encode(request.body.map(Self.hash) ?? SHA256.hash([UInt8]()))
        let input = Input(
            method: request.method.rawValue,
            path: url.path,
            query: url.query,
            headers: signed.headers,
            payloadHash: payloadHash
        )
        let result = signature(for: input, credentials: credentials, date: date)
        signed.headers.append(HTTPHeader("Authorization", result.authorization))
        if let token = credentials.sessionToken, !signSessionToken {
            signed.headers.append(HTTPHeader("X-Amz-Security-Token", secret: token))
        }
        return signed
    }

    /// Computes the signature of `input`; `input.headers` must already carry `host` and `x-amz-date`.
    package func signature(for input: Input, credentials: AWSCredentials, date: Date) -> Signature {
        let canonical = SecureBuffer(capacity: 512)
        canonical.append(text: input.method)
        canonical.append(byte: 0x0A)
        canonical.append(text: SigV4Encoding.canonicalPath(input.path, normalize: normalizePath))
        canonical.append(byte: 0x0A)
        canonical.append(text: SigV4Encoding.canonicalQuery(input.query))
        canonical.append(byte: 0x0A)
        let signedHeaders = Self.appendCanonicalHeaders(input.headers, to: canonical)
        canonical.append(byte: 0x0A)
        canonical.append(text: signedHeaders)
        canonical.append(byte: 0x0A)
        canonical.append(text: input.payloadHash)
        let canonicalRequest = canonical.finish()

        let stamp = Self.timestamp(date)
        let day = String(stamp.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(stamp)\n\(scope)\n\(Hex.encode(Self.hash(canonicalRequest)))"
        let signingKey = Self.signingKey(
            secret: credentials.secretAccessKey,
            day: day,
            region: region,
            service: service
        )
        let signature = Hex.encode(HMACSHA256.authenticate(Array(stringToSign.utf8), key: signingKey))
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return Signature(
            canonicalRequest: canonicalRequest,
            stringToSign: stringToSign,
            signedHeaders: signedHeaders,
            signature: signature,
            authorization: authorization
        )
    }

    /// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request")`, kept in guarded
    /// memory.
    static func signingKey(secret: Secret, day: String, region: String, service: String) -> Secret {
        let seed = SecureBuffer(capacity: secret.count + 4)
        seed.append(text: "AWS4")
        seed.append(secret)
        var key = seed.finish()
        for part in [day, region, service, "aws4_request"] {
            key = Secret(bytes: HMACSHA256.authenticate(Array(part.utf8), key: key))
        }
        return key
    }

    /// Appends `name:value\n` for every signed header (lower-case names, sorted; values trimmed, runs of
    /// whitespace collapsed, repeats joined with `,`) and returns the `SignedHeaders` list.
    private static func appendCanonicalHeaders(_ headers: [HTTPHeader], to buffer: SecureBuffer) -> String {
        var order: [String] = []
        var values: [String: [HTTPHeader]] = [:]
        for header in headers {
            let name = header.name.lowercased()
            guard !unsignedHeaders.contains(name) else { continue }
            if values[name] == nil { order.append(name) }
            values[name, default: []].append(header)
        }
        let names = order.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        for name in names {
            buffer.append(text: name)
            buffer.append(byte: 0x3A)
            for (index, header) in (values[name] ?? []).enumerated() {
                if index > 0 { buffer.append(byte: 0x2C) }
                header.value.withUnsafeBytes { SigV4Encoding.appendCollapsed($0, to: buffer) }
            }
            buffer.append(byte: 0x0A)
        }
        return names.joined(separator: ";")
    }

    /// The SHA-256 of a secret's bytes.
    private static func hash(_ secret: Secret) -> [UInt8] {
        secret.withUnsafeBytes { SHA256.hash($0) }
    }

    /// `YYYYMMDD'T'HHMMSS'Z'` in UTC.
    package static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }
}

/// The parts of a URL that are signed: `host[:port]` (default ports dropped), the path and the query.
struct SigV4URL {
    var host: String
    var path: String
    var query: String

    init(_ url: String) {
        var rest = Substring(url)
        var defaultPort = ""
        if let range = rest.firstRange(of: "://") {
            let scheme = rest[..<range.lowerBound].lowercased()
            defaultPort = scheme == "https" ? "443" : scheme == "http" ? "80" : ""
            rest = rest[range.upperBound...]
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var host = authority.lowercased()
        if !defaultPort.isEmpty, host.hasSuffix(":" + defaultPort), !host.hasSuffix("]") {
            host.removeLast(defaultPort.count + 1)
        }
        self.host = host
        let pathAndQuery = rest[authorityEnd...]
        if let question = pathAndQuery.firstIndex(of: "?") {
            path = String(pathAndQuery[..<question])
            query = String(pathAndQuery[pathAndQuery.index(after: question)...])
        } else {
            path = String(pathAndQuery)
            query = ""
        }
        if path.isEmpty { path = "/" }
    }
}
