import CfgHTTP
import CfgSecure
import Foundation
import Testing

@testable import CfgAWSAuth

/// The official SigV4 test suites, copied into the shared test data (see `vectors/SOURCES.md`).
private enum SigV4Vectors {
    /// `$CFG_SHARED_DIR/vectors` when set (as `make test` does), else `../shared/vectors` beside the repository
    /// that holds this file.
    static var directory: URL {
        if let shared = ProcessInfo.processInfo.environment["CFG_SHARED_DIR"], !shared.isEmpty {
            return URL(fileURLWithPath: shared).appendingPathComponent("vectors")
        }
        // Tests/CfgAWSTests/<file> → the repository root; symlinks resolved so a build harness that links this
        // file still finds the data beside the real checkout.
        let repository = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repository.deletingLastPathComponent().appendingPathComponent("shared/vectors")
    }

    /// awslabs/aws-c-auth `tests/aws-signing-test-suite/v4`: one directory per case.
    static var cAuth: URL { directory.appendingPathComponent("aws-sigv4-aws-c-auth/v4") }

    /// boto/botocore `tests/unit/auth/aws4_testsuite`: `<case>/<case>.req` and friends, some cases nested one
    /// level deeper (`normalize-path/get-space`).
    static var botocore: URL { directory.appendingPathComponent("aws-sigv4-botocore") }

    /// The aws-c-auth case names, from the directory listing (empty when the data is missing).
    static func cAuthCases() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: cAuth.path)) ?? []
        return names.filter { isDirectory(cAuth.appendingPathComponent($0)) }.sorted()
    }

    /// The botocore case paths relative to the suite (`get-vanilla`, `normalize-path/get-space`): every directory
    /// that holds `<its name>.req`, found the way botocore's own test walks the suite.
    static func botocoreCases() -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: botocore.path) else { return [] }
        var cases: [String] = []
        while let relative = walker.nextObject() as? String {
            let url = botocore.appendingPathComponent(relative)
            let name = url.lastPathComponent
            if isDirectory(url), FileManager.default.fileExists(atPath: url.appendingPathComponent("\(name).req").path)
            {
                cases.append(relative)
            }
        }
        return cases.sorted()
    }

    static func isDirectory(_ url: URL) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &directory) && directory.boolValue
    }

    static func bytes(_ url: URL) throws -> [UInt8] {
        Array(try Data(contentsOf: url))
    }

    static func text(_ url: URL) throws -> String {
        String(decoding: try bytes(url), as: UTF8.self)
    }

    /// The example keys both suites use (published by AWS; not a real account).
    static let accessKeyID = "AKIDEXAMPLE"
    static let secretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    /// 2015-08-30T12:36:00Z, the suites' signing time.
    static let date = Date(timeIntervalSince1970: 1_440_938_160)
}

/// A request in the suites' raw form: request line, header lines, a blank line, the body.
///
/// Header lines may repeat and may be continued on lines that start with a space or tab (obsolete line folding,
/// which RFC 9112 §5.2 says to replace with one space); the request target is kept byte for byte (it may hold a
/// space or UTF-8, which no URL type would accept).
private struct RawHTTPRequest {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    var method: String
    /// The request target as written: path, then `?` and the query if any.
    var target: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    init(_ bytes: [UInt8]) throws {
        let newline = UInt8(ascii: "\n")
        var headEnd = bytes.endIndex
        var bodyStart = bytes.endIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == newline {
                let next = bytes.index(after: index)
                if next < bytes.endIndex, bytes[next] == newline {
                    (headEnd, bodyStart) = (index, bytes.index(after: next))
                    break
                }
                if next + 1 < bytes.endIndex, bytes[next] == UInt8(ascii: "\r"), bytes[next + 1] == newline {
                    (headEnd, bodyStart) = (index, next + 2)
                    break
                }
            }
            index += 1
        }
        body = Array(bytes[bodyStart...])
        let lines = String(decoding: bytes[..<headEnd], as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        guard let requestLine = lines.first, let firstSpace = requestLine.firstIndex(of: " "),
            let lastSpace = requestLine.lastIndex(of: " "), firstSpace < lastSpace
        else { throw Malformed(description: "no request line") }
        method = String(requestLine[..<firstSpace])
        target = String(requestLine[requestLine.index(after: firstSpace)..<lastSpace])
        headers = []
        for line in lines.dropFirst() where !line.isEmpty {
            if line.first == " " || line.first == "\t" {
                guard !headers.isEmpty else { throw Malformed(description: "continuation before any header") }
                let continued = line.drop { $0 == " " || $0 == "\t" }
                headers[headers.count - 1].value += " " + continued
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            } else {
                throw Malformed(description: "header line without a colon")
            }
        }
    }

    var path: String {
        target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
    }

    var query: String {
        guard let question = target.firstIndex(of: "?") else { return "" }
        return String(target[target.index(after: question)...])
    }

    /// The first value of `name` (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// What one suite case produced through ``SigV4Signer``.
private struct SignedVectorCase {
    /// The request `sign` returned.
    var signed: HTTPRequest
    /// The intermediates of the same request, recomputed from the headers `sign` signed.
    var signature: SigV4Signer.Signature

    /// Signs `raw` as cfg would send it (`https://<Host><target>`), then recomputes the canonical request from the
    /// headers that were signed: the signed request minus `Authorization` and minus a token appended afterwards.
    init(
        _ raw: RawHTTPRequest,
        signer: SigV4Signer,
        credentials: AWSCredentials,
        extraHeaders: [HTTPHeader] = []
    ) throws {
        let host = try #require(raw.header("host"), "the raw request names its host")
        let request = HTTPRequest(
            method: HTTPMethod(rawValue: raw.method),
            url: "https://\(host.trimmingCharacters(in: .whitespaces))\(raw.target)",
            headers: raw.headers.map { HTTPHeader($0.name, $0.value) } + extraHeaders,
            body: raw.body.isEmpty ? nil : Secret(bytes: raw.body)
        )
        signed = signer.sign(request, credentials: credentials, date: SigV4Vectors.date)
        let signedHeaders = signed.headers.filter {
            let name = $0.name.lowercased()
            return name != "authorization" && (signer.signSessionToken || name != "x-amz-security-token")
        }
        let input = SigV4Signer.Input(
            method: raw.method,
            path: raw.path,
            query: raw.query,
            headers: signedHeaders,
            payloadHash: Hex.encode(SHA256.hash(raw.body))
        )
        signature = signer.signature(for: input, credentials: credentials, date: SigV4Vectors.date)
    }

    /// The value of the single header `name` in the signed request (nil when absent; fails when repeated).
    func header(_ name: String) throws -> Secret? {
        let matches = signed.headers.filter { $0.name.lowercased() == name.lowercased() }
        try #require(matches.count <= 1, "\(name) appears \(matches.count) times")
        return matches.first?.value
    }
}

@Suite struct SigV4VectorTests {
    /// aws-c-auth files we do not check, by name prefix, with the reason.
    static let excludedCAuthVariants = [
        "query-": "cfg signs with the Authorization header only; presigned URLs are not used"
    ]
    /// The aws-c-auth files every case is checked against.
    static let checkedCAuthFiles: Set<String> = [
        "context.json", "request.txt", "header-canonical-request.txt", "header-string-to-sign.txt",
        "header-signature.txt", "header-signed-request.txt",
    ]
    /// botocore cases we do not run, with the reason: none (botocore itself skips `normalize-path/get-space` and
    /// the repeated-key query cases because of Python's parsers, which this test does not use).
    static let excludedBotocoreCases: [String: String] = [:]

    // MARK: aws-c-auth

    @Test func theAwsCAuthSuiteHasAllThirtyEightCases() {
        #expect(SigV4Vectors.cAuthCases().count == 38, "aws-c-auth vectors at \(SigV4Vectors.cAuth.path)")
    }

    @Test(arguments: SigV4Vectors.cAuthCases())
    func everyAwsCAuthFileIsCheckedOrExcludedByName(caseName: String) throws {
        let files = try FileManager.default.contentsOfDirectory(
            atPath: SigV4Vectors.cAuth.appendingPathComponent(caseName).path
        )
        let unchecked = files.filter { file in
            !Self.checkedCAuthFiles.contains(file) && !Self.excludedCAuthVariants.keys.contains { file.hasPrefix($0) }
        }
        #expect(unchecked.isEmpty)
        #expect(Self.checkedCAuthFiles.isSubset(of: files))
    }

    @Test(arguments: SigV4Vectors.cAuthCases())
    func headerSigningMatchesTheAwsCAuthSuite(caseName: String) throws {
        let directory = SigV4Vectors.cAuth.appendingPathComponent(caseName)
        let context = try JSONDecoder().decode(
            CAuthContext.self,
            from: Data(try SigV4Vectors.bytes(directory.appendingPathComponent("context.json")))
        )
        #expect(context.timestamp == "2015-08-30T12:36:00Z")
        let raw = try RawHTTPRequest(try SigV4Vectors.bytes(directory.appendingPathComponent("request.txt")))
        let signer = SigV4Signer(
            service: context.service,
            region: context.region,
            normalizePath: context.normalize,
            signSessionToken: !(context.omitSessionToken ?? false)
        )
        let credentials = AWSCredentials(
            accessKeyID: context.credentials.accessKeyID,
            secretAccessKey: Secret(copying: context.credentials.secretAccessKey),
            sessionToken: context.credentials.token.map { Secret(copying: $0) },
            source: "the aws-c-auth suite"
        )
        // `sign_body` makes aws-c-auth add `x-amz-content-sha256` (an S3 header) and sign it. cfg's signer leaves
        // that header to the caller and signs every header it is given, so the test adds it as a caller would.
        let extra =
            context.signBody == true
            ? [HTTPHeader("x-amz-content-sha256", Hex.encode(SHA256.hash(raw.body)))] : []
        let result = try SignedVectorCase(raw, signer: signer, credentials: credentials, extraHeaders: extra)

        let canonical = try SigV4Vectors.text(directory.appendingPathComponent("header-canonical-request.txt"))
        #expect(result.signature.canonicalRequest.stringValue() == canonical)
        let stringToSign = try SigV4Vectors.text(directory.appendingPathComponent("header-string-to-sign.txt"))
        #expect(result.signature.stringToSign == stringToSign)
        let signature = try SigV4Vectors.text(directory.appendingPathComponent("header-signature.txt"))
        #expect(result.signature.signature == signature)

        let expected = try RawHTTPRequest(
            try SigV4Vectors.bytes(directory.appendingPathComponent("header-signed-request.txt"))
        )
        let authorization = try #require(expected.header("authorization"))
        #expect(try result.header("authorization")?.stringValue() == authorization)
        #expect(result.signature.authorization == authorization)
        // The signed request carries exactly the expected headers (order aside: aws-c-auth puts the token first).
        let actualHeaders = result.signed.headers.map { ($0.name.lowercased(), $0.value) }
            .sorted { ($0.0, $0.1.stringValue() ?? "") < ($1.0, $1.1.stringValue() ?? "") }
        let expectedHeaders = expected.headers.map { ($0.name.lowercased(), Secret(copying: $0.value)) }
            .sorted { ($0.0, $0.1.stringValue() ?? "") < ($1.0, $1.1.stringValue() ?? "") }
        #expect(actualHeaders.map(\.0) == expectedHeaders.map(\.0))
        for (actual, wanted) in zip(actualHeaders, expectedHeaders) {
            #expect(actual.1 == wanted.1, "value of \(actual.0)")
        }
        #expect(result.signed.body?.withUnsafeBytes { Array($0) } ?? [] == expected.body)
    }

    // MARK: botocore

    @Test func theBotocoreSuiteHasAllThirtyFourCases() {
        #expect(SigV4Vectors.botocoreCases().count == 34, "botocore vectors at \(SigV4Vectors.botocore.path)")
    }

    @Test(arguments: SigV4Vectors.botocoreCases())
    func signingMatchesBotocoresCopyOfTheAwsSuite(casePath: String) throws {
        try #require(Self.excludedBotocoreCases[casePath] == nil)
        let directory = SigV4Vectors.botocore.appendingPathComponent(casePath)
        func file(_ suffix: String) throws -> String {
            try SigV4Vectors.text(directory.appendingPathComponent("\(directory.lastPathComponent).\(suffix)"))
        }
        let raw = try RawHTTPRequest(Array(try file("req").utf8))
        let canonical = try file("creq")
        // botocore's convention (tests/unit/auth/test_sigv4.py): the session token is the `x-amz-security-token`
        // line of the canonical request. `post-sts-token/post-sts-header-after` signs without it and its signed
        // request (.sreq) carries the token appended afterwards, which is `signSessionToken: false`.
        let signedToken = canonical.split(separator: "\n").first { $0.hasPrefix("x-amz-security-token:") }
            .map { String($0.dropFirst("x-amz-security-token:".count)) }
        let appendedToken =
            signedToken == nil ? try RawHTTPRequest(Array(try file("sreq").utf8)).header("x-amz-security-token") : nil
        let token = signedToken ?? appendedToken
        let signer = SigV4Signer(
            service: "service",
            region: "us-east-1",
            normalizePath: true,
            signSessionToken: appendedToken == nil
        )
        let credentials = AWSCredentials(
            accessKeyID: SigV4Vectors.accessKeyID,
            secretAccessKey: Secret(copying: SigV4Vectors.secretAccessKey),
            sessionToken: token.map { Secret(copying: $0) },
            source: "the botocore suite"
        )
        let result = try SignedVectorCase(raw, signer: signer, credentials: credentials)

        #expect(result.signature.canonicalRequest.stringValue() == canonical)
        #expect(result.signature.stringToSign == (try file("sts")))
        // Compared with .authz, not .sreq: upstream's get-vanilla-with-session-token.sreq carries a signature
        // that contradicts its own .sts and .authz.
        let authorization = try file("authz")
        #expect(result.signature.authorization == authorization)
        #expect(try result.header("authorization")?.stringValue() == authorization)
        #expect(try result.header("x-amz-date")?.stringValue() == "20150830T123600Z")
        #expect(try result.header("x-amz-security-token") == token.map { Secret(copying: $0) })
    }
}

/// `context.json` of an aws-c-auth case.
private struct CAuthContext: Decodable {
    struct Credentials: Decodable {
        var accessKeyID: String
        var secretAccessKey: String
        var token: String?

        enum CodingKeys: String, CodingKey {
            case accessKeyID = "access_key_id"
            case secretAccessKey = "secret_access_key"
            case token
        }
    }

    var credentials: Credentials
    var region: String
    var service: String
    var timestamp: String
    var normalize: Bool
    var signBody: Bool?
    var omitSessionToken: Bool?

    enum CodingKeys: String, CodingKey {
        case credentials, region, service, timestamp, normalize
        case signBody = "sign_body"
        case omitSessionToken = "omit_session_token"
    }
}
