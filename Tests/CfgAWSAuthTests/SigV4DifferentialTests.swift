import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

@testable import CfgAWSAuth

/// One random unsigned request, in the JSON form `dev/sigv4-botocore.py` reads.
private struct DifferentialCase: Encodable {
    var id: Int
    var method: String
    /// The wire URL, given unchanged to both signers.
    var url: String
    var headers: [[String]]
    /// Base64, so binary bodies survive JSON.
    var body: String
    var accessKey: String
    var secretKey: String
    var token: String?
    var region: String
    var service: String
    /// Whole seconds; the Swift side signs at this instant plus a fraction, which the timestamp must drop.
    var epochSeconds: Int
    var fraction: Double

    enum CodingKeys: String, CodingKey {
        case id, method, url, headers, body, accessKey, secretKey, token, region, service, epochSeconds
    }

    var bodyBytes: [UInt8] { Array(Data(base64Encoded: body) ?? Data()) }
}

/// What botocore answered for one case.
private struct BotocoreResult: Decodable {
    var id: Int
    var authorization: String?
    var xAmzDate: String?
    var securityToken: String?
    var canonicalRequest: String?
    var error: String?
}

/// Builds random requests over the input classes where botocore's signer is a faithful reference.
///
/// Excluded input classes, each because botocore signs it differently from AWS's rules for reasons of its own,
/// not because either side is wrong for the requests cfg sends:
/// - query strings that are not already in canonical form (`+`, raw reserved characters, lower-case `%xx`,
///   empty `&&` pairs): botocore signs the query of a URL verbatim (`_canonical_query_string_url`), because
///   botocore itself only ever builds canonical queries; AWS decodes and re-encodes (our signer does too);
/// - a `Date` header: botocore then signs `Date` instead of `X-Amz-Date`;
/// - an `X-Amz-Content-SHA256` header: botocore then signs its value instead of the body's hash (S3);
/// - a stale `X-Amz-Security-Token` with credentials that have none: botocore keeps and signs it, ours drops it;
/// - tabs, `#` and `?` in the path, and non-ASCII header values: Python's `urlsplit` strips tabs and splits at
///   `#`/`?`; header values are Latin-1 in Python's HTTP model and bytes in ours.
private struct DifferentialGenerator {
    var random: SplitMix64

    mutating func pick<T>(_ options: [T]) -> T {
        options[Int.random(in: 0..<options.count, using: &random)]
    }

    mutating func chance(_ percent: Int) -> Bool {
        Int.random(in: 0..<100, using: &random) < percent
    }

    mutating func string(_ alphabet: String, count: Int) -> String {
        let characters = Array(alphabet)
        return String((0..<count).map { _ in pick(characters) })
    }

    /// A path segment; `%XX` sequences, `%zz`, UTF-8, spaces and dot segments included on purpose.
    mutating func segment() -> String {
        pick([
            "a", "B", "secret", "x y", "ሴ", "café", "caf%C3%A9", "%2F", "%zz", "%c3%a9", ".", "..", "", "~user",
            "a-b_c.d", "$delete", "colon:x", "semi;p", "at@", "eq=x", "plus+x", "!", "'quoted'", "(p)", "*",
            "comma,x", "%20", "%", "[b]",
        ])
    }

    mutating func path() -> String {
        if chance(8) { return "" }
        var path = ""
        for _ in 0..<Int.random(in: 0...5, using: &random) { path += "/" + segment() }
        if path.isEmpty || chance(25) { path += "/" }
        return path
    }

    /// A query in canonical form: each decoded name and value encoded with AWS's rules for the wire.
    mutating func query() -> String {
        let names = ["Action", "a", "A", "b-c", "x_y", "~t", "ሴ", "key with space", "r!*'();:@&=+$,/?#[]", "Z", "1"]
        let values = ["", "1", "value", "Value", "a b", "é", "+", "x=y", "&", "%", "~-._", "ሴ", "/path/"]
        var pairs: [String] = []
        var previous: String?
        for _ in 0..<Int.random(in: 1...5, using: &random) {
            let name = (previous != nil && chance(30)) ? previous ?? "" : pick(names)
            previous = name
            let encodedName = SigV4Encoding.encode(name)
            switch Int.random(in: 0..<10, using: &random) {
            case 0: pairs.append(encodedName)
            case 1: pairs.append(encodedName + "=")
            default: pairs.append(encodedName + "=" + SigV4Encoding.encode(pick(values)))
            }
        }
        return pairs.joined(separator: "&")
    }

    mutating func headerValue() -> String {
        let words = [
            "value", "a", "B", "\"q  uoted\"", "x,y", "k=v", "1", "text/plain", "with:colon", "!#$%&'*+.^_`|~",
        ]
        var value = ""
        for index in 0..<Int.random(in: 0...3, using: &random) {
            if index > 0 { value += pick([" ", "  ", "   ", "\t", " \t "]) }
            value += pick(words)
        }
        return pick(["", " ", "  ", "\t"]) + value + pick(["", " ", "   ", "\t"])
    }

    mutating func headers(host: String) -> [[String]] {
        let names = [
            "X-Custom", "x-CUSTOM", "X-Amz-Target", "X-Amz-Meta-Foo", "Content-Type", "Accept", "User-Agent",
            "user-agent", "X-Amzn-Trace-Id", "My-Header", "my-header", "Connection", "Expect", "TE", "Upgrade",
            "Cache-Control", "Z-Last",
        ]
        var headers: [[String]] = []
        for _ in 0..<Int.random(in: 0...6, using: &random) { headers.append([pick(names), headerValue()]) }
        if chance(15) { headers.append([pick(["Host", "HOST", "host"]), host]) }
        // A stale signature from an earlier attempt must be replaced on both sides.
        if chance(10) { headers.append(["Authorization", "AWS4-HMAC-SHA256 stale"]) }
        if chance(10) { headers.append(["X-Amz-Date", "19990101T000000Z"]) }
        headers.shuffle(using: &random)
        return headers
    }

    mutating func body() -> [UInt8] {
        switch Int.random(in: 0..<4, using: &random) {
        case 0: []
        case 1: Array("{\"SecretId\":\"prod/db\",\"VersionStage\":\"AWSCURRENT\"}".utf8)
        default: (0..<Int.random(in: 1...96, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        }
    }

    mutating func makeCase(id: Int) -> DifferentialCase {
        let scheme = pick(["http", "https"])
        var host = pick([
            "secretsmanager.eu-west-1.amazonaws.com", "Example.COM", "localhost", "127.0.0.1", "[::1]",
            "sts.us-gov-west-1.amazonaws.com", "a-b.c_d.internal",
        ])
        switch Int.random(in: 0..<5, using: &random) {
        case 0: host += scheme == "https" ? ":443" : ":80"  // default port: dropped
        case 1: host += scheme == "https" ? ":80" : ":443"  // the other scheme's default: kept
        case 2: host += ":\(pick([4566, 8443, 8200, 1]))"
        default: break
        }
        let path = path()
        let query = chance(60) ? "?" + query() : ""
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
        return DifferentialCase(
            id: id,
            method: pick(["GET", "POST", "PUT", "DELETE"]),
            url: "\(scheme)://\(host)\(path)\(query)",
            headers: headers(host: host),
            body: Data(body()).base64EncodedString(),
            accessKey: "AKIA" + string("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", count: 16),
            secretKey: string(alphabet, count: 40),
            token: chance(50) ? string(alphabet, count: Int.random(in: 16...300, using: &random)) : nil,
            region: pick(["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1", "il-central-1"]),
            service: pick(["secretsmanager", "sts", "ecs", "service", "execute-api", "iam"]),
            // 2000-01-01T00:00:00Z ... 2099-12-31T23:59:59Z
            epochSeconds: Int.random(in: 946_684_800...4_102_444_799, using: &random),
            fraction: pick([0, 0.25, 0.999_9])
        )
    }
}

@Suite struct SigV4DifferentialTests {
    static let seed: UInt64 = 0x5167_4C0F_2026_0001
    static let caseCount = 300

    /// True when `CFG_REQUIRE_CHECKERS=1` (as `make test` sets): a missing python3 or botocore fails the test.
    static let checkerRequired = ProcessInfo.processInfo.environment["CFG_REQUIRE_CHECKERS"] == "1"

    static var script: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("dev/sigv4-botocore.py")
    }

    static func isOnPath(_ tool: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }

    /// Skips (or, when checkers are required, fails) because `reason`.
    static func unavailable(_ reason: String) throws -> Never {
        if checkerRequired {
            Issue.record("CFG_REQUIRE_CHECKERS=1 but \(reason)")
            throw CheckerUnavailable()
        }
        try Test.cancel("skipped: \(reason)")
    }

    struct CheckerUnavailable: Error {}

    /// Runs the botocore script once for every case (JSON array in, JSON array out).
    private static func botocore(_ cases: [DifferentialCase]) throws -> [BotocoreResult] {
        guard isOnPath("python3") else { try unavailable("python3 is not on PATH") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-sigv4-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("cases.json")
        let output = directory.appendingPathComponent("results.json")
        let errors = directory.appendingPathComponent("stderr.txt")
        try JSONEncoder().encode(cases).write(to: input)
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        process.waitUntilExit()
        let stderr = String(decoding: try Data(contentsOf: errors), as: UTF8.self)
        if process.terminationStatus == 3 {
            try unavailable(stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        try #require(process.terminationStatus == 0, "sigv4-botocore.py failed: \(stderr)")
        return try JSONDecoder().decode([BotocoreResult].self, from: Data(contentsOf: output))
    }

    /// Signs `testCase` with our signer.
    private static func sign(_ testCase: DifferentialCase) -> (signer: SigV4Signer, request: HTTPRequest, date: Date) {
        let signer = SigV4Signer(service: testCase.service, region: testCase.region)
        let body = testCase.bodyBytes
        let request = HTTPRequest(
            method: HTTPMethod(rawValue: testCase.method),
            url: testCase.url,
            headers: testCase.headers.map { HTTPHeader($0[0], $0[1]) },
            // An empty body is sent both as none and as zero bytes; both hash as the empty payload.
            body: body.isEmpty && testCase.id.isMultiple(of: 2) ? nil : Secret(bytes: body)
        )
        let credentials = credentials(testCase)
        let date = Date(timeIntervalSince1970: Double(testCase.epochSeconds) + testCase.fraction)
        return (signer, signer.sign(request, credentials: credentials, date: date), date)
    }

    private static func credentials(_ testCase: DifferentialCase) -> AWSCredentials {
        AWSCredentials(
            accessKeyID: testCase.accessKey,
            secretAccessKey: Secret(copying: testCase.secretKey),
            sessionToken: testCase.token.map { Secret(copying: $0) },
            source: "the differential test"
        )
    }

    /// Our canonical request for a mismatch report, the token line redacted.
    private static func diagnostic(
        _ testCase: DifferentialCase,
        signed: HTTPRequest,
        signer: SigV4Signer,
        date: Date
    ) -> String {
        let url = SigV4URL(testCase.url)
        let input = SigV4Signer.Input(
            method: testCase.method,
            path: url.path,
            query: url.query,
            headers: signed.headers.filter { $0.name.lowercased() != "authorization" },
            payloadHash: Hex.encode(SHA256.hash(testCase.bodyBytes))
        )
        let canonical = signer.signature(for: input, credentials: credentials(testCase), date: date).canonicalRequest
        return redactToken(canonical.stringValue() ?? "")
    }

    static func redactToken(_ canonical: String) -> String {
        canonical.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasPrefix("x-amz-security-token:") ? "x-amz-security-token:\(Secret.redacted)" : String($0)
        }.joined(separator: "\n")
    }

    static func header(_ name: String, in request: HTTPRequest) -> [Secret] {
        request.headers.filter { $0.name.lowercased() == name }.map(\.value)
    }

    @Test func randomRequestsAreSignedExactlyAsBotocoreSignsThem() throws {
        var generator = DifferentialGenerator(random: SplitMix64(seed: Self.seed))
        let cases = (0..<Self.caseCount).map { generator.makeCase(id: $0) }
        let results = try Self.botocore(cases)
        try #require(results.count == cases.count)
        var compared = 0
        for (testCase, result) in zip(cases, results) {
            try #require(result.id == testCase.id)
            guard let authorization = result.authorization else {
                Issue.record("case \(testCase.id) \(testCase.url): botocore failed: \(result.error ?? "no answer")")
                continue
            }
            let (signer, signed, date) = Self.sign(testCase)
            let ours = Self.header("authorization", in: signed)
            let agrees = ours.count == 1 && ours.first == Secret(copying: authorization)
            #expect(
                agrees,
                """
                case \(testCase.id) \(testCase.method) \(testCase.url)
                ours:     \(ours.map { $0.stringValue() ?? "" })
                botocore: \(authorization)
                our canonical request:
                \(Self.diagnostic(testCase, signed: signed, signer: signer, date: date))
                botocore's canonical request:
                \(Self.redactToken(result.canonicalRequest ?? ""))
                """
            )
            let stamp = Self.header("x-amz-date", in: signed)
            #expect(stamp.count == 1 && stamp.first?.stringValue() == result.xAmzDate, "case \(testCase.id) X-Amz-Date")
            let tokens = Self.header("x-amz-security-token", in: signed)
            #expect(tokens == testCase.token.map { [Secret(copying: $0)] } ?? [], "case \(testCase.id) token header")
            let botocoreToken = result.securityToken == testCase.token
            #expect(botocoreToken, "case \(testCase.id) botocore's token header")
            compared += 1
        }
        print("SigV4 differential: \(compared) of \(cases.count) requests compared with botocore (seed \(Self.seed))")
        #expect(compared == Self.caseCount)
    }
}
