import CfgHTTP
import CfgSecure
import Foundation
import Testing

@testable import CfgAWSAuth

/// The behaviour of ``SigV4Signer/sign(_:credentials:date:)`` around the signature itself: which headers it adds,
/// replaces and leaves unsigned, and that nothing secret shows in a description.
@Suite struct SigV4SignerTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let token = "FQoGZXIvYXdzEXAMPLE//session+token=="
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z

    static func credentials(token: String? = nil) -> AWSCredentials {
        AWSCredentials(
            accessKeyID: "AKIDEXAMPLE",
            secretAccessKey: Secret(copying: secret),
            sessionToken: token.map { Secret(copying: $0) },
            source: "the signer tests"
        )
    }

    static let signer = SigV4Signer(service: "secretsmanager", region: "eu-west-1")

    static func request(
        _ url: String = "https://secretsmanager.eu-west-1.amazonaws.com/",
        headers: [HTTPHeader] = []
    )
        -> HTTPRequest
    {
        HTTPRequest(
            method: .post,
            url: url,
            headers: [HTTPHeader("Content-Type", "application/x-amz-json-1.1")] + headers,
            body: Secret(copying: "{\"SecretId\":\"prod/db\"}")
        )
    }

    /// The values of `name` (case-insensitive) in `request`, as text.
    static func values(_ name: String, in request: HTTPRequest) -> [String] {
        request.headers.filter { $0.name.lowercased() == name.lowercased() }.map { $0.value.stringValue() ?? "" }
    }

    static func authorization(_ request: HTTPRequest) throws -> String {
        let values = values("authorization", in: request)
        try #require(values.count == 1)
        return try #require(values.first)
    }

    /// The `SignedHeaders=` list of the `Authorization` header.
    static func signedHeaders(_ request: HTTPRequest) throws -> [String] {
        let authorization = try authorization(request)
        let part = try #require(authorization.split(separator: " ").first { $0.hasPrefix("SignedHeaders=") })
        return part.dropFirst("SignedHeaders=".count).split(separator: ",").first?.split(separator: ";").map(
            String.init
        )
            ?? []
    }

    @Test(arguments: [
        ("https://secretsmanager.eu-west-1.amazonaws.com/", "secretsmanager.eu-west-1.amazonaws.com"),
        ("https://Example.COM:443/path", "example.com"),
        ("http://example.com:80/", "example.com"),
        ("https://example.com:8443/", "example.com:8443"),
        ("http://localhost:4566/", "localhost:4566"),
        ("http://example.com:443/", "example.com:443"),
        ("https://example.com:80/", "example.com:80"),
        ("http://user:password@example.com:8080/p?q=1#fragment", "example.com:8080"),
        ("https://[::1]:443/", "[::1]"),
        ("https://[::1]:8443/", "[::1]:8443"),
        ("https://example.com", "example.com"),
        ("https://example.com?Action=List", "example.com"),
    ])
    func hostIsTakenFromTheURLWithDefaultPortsDropped(url: String, host: String) throws {
        let signed = Self.signer.sign(Self.request(url), credentials: Self.credentials(), date: Self.date)
        #expect(Self.values("host", in: signed) == [host])
        #expect(try Self.signedHeaders(signed).contains("host"))
    }

    @Test func aHostHeaderGivenByTheCallerIsKeptAndNotDuplicated() throws {
        let request = Self.request("https://127.0.0.1:4566/", headers: [HTTPHeader("Host", "secretsmanager.local")])
        let signed = Self.signer.sign(request, credentials: Self.credentials(), date: Self.date)
        #expect(Self.values("host", in: signed) == ["secretsmanager.local"])
    }

    @Test(arguments: [
        (1_440_938_160.999, "20150830T123600Z"),
        (946_684_800, "20000101T000000Z"),
        (951_782_400.5, "20000229T000000Z"),
        (4_102_444_799, "20991231T235959Z"),
    ])
    func xAmzDateIsUTCBasicFormatWithoutFractions(seconds: Double, stamp: String) throws {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(SigV4Signer.timestamp(date) == stamp)
        let signed = Self.signer.sign(Self.request(), credentials: Self.credentials(), date: date)
        #expect(Self.values("x-amz-date", in: signed) == [stamp])
        #expect(try Self.authorization(signed).contains("/\(stamp.prefix(8))/eu-west-1/secretsmanager/aws4_request,"))
    }

    @Test func aSessionTokenIsSentAndSigned() throws {
        let signed = Self.signer.sign(Self.request(), credentials: Self.credentials(token: Self.token), date: Self.date)
        let tokens = signed.headers.filter { $0.name.lowercased() == "x-amz-security-token" }.map(\.value)
        #expect(tokens == [Secret(copying: Self.token)])
        #expect(
            try Self.signedHeaders(signed) == ["content-type", "host", "x-amz-date", "x-amz-security-token"]
        )
    }

    @Test func anUnsignedSessionTokenIsAppendedAfterSigningAndLeftOutOfSignedHeaders() throws {
        let signer = SigV4Signer(service: "secretsmanager", region: "eu-west-1", signSessionToken: false)
        let signed = signer.sign(Self.request(), credentials: Self.credentials(token: Self.token), date: Self.date)
        let last = try #require(signed.headers.last)
        #expect(last.name == "X-Amz-Security-Token")
        #expect(last.value == Secret(copying: Self.token))
        let names = signed.headers.map { $0.name.lowercased() }
        #expect(names.firstIndex(of: "authorization") ?? names.count < names.count - 1)
        #expect(try !Self.signedHeaders(signed).contains("x-amz-security-token"))
        // The signature is the one of the same request without a token.
        let withoutToken = signer.sign(Self.request(), credentials: Self.credentials(), date: Self.date)
        #expect(try Self.authorization(signed) == Self.authorization(withoutToken))
    }

    @Test func anExistingAuthorizationAndDateAreReplaced() throws {
        let stale = Self.request(headers: [
            HTTPHeader("authorization", "AWS4-HMAC-SHA256 Credential=OLD, SignedHeaders=host, Signature=00"),
            HTTPHeader("X-AMZ-DATE", "19990101T000000Z"),
            HTTPHeader("X-Amz-Security-Token", "stale-token"),
        ])
        let signed = Self.signer.sign(stale, credentials: Self.credentials(token: Self.token), date: Self.date)
        let fresh = Self.signer.sign(Self.request(), credentials: Self.credentials(token: Self.token), date: Self.date)
        #expect(Self.values("x-amz-date", in: signed) == ["20150830T123600Z"])
        #expect(try Self.authorization(signed) == Self.authorization(fresh))
        let tokens = signed.headers.filter { $0.name.lowercased() == "x-amz-security-token" }.map(\.value)
        #expect(tokens == [Secret(copying: Self.token)])
    }

    @Test(arguments: SigV4Signer.unsignedHeaders.sorted())
    func hopByHopHeadersAndTheUserAgentAreNeverSigned(name: String) throws {
        let plain = Self.signer.sign(Self.request(), credentials: Self.credentials(), date: Self.date)
        for value in ["cfg/1.0", "other-agent/2.0 (linux)"] {
            let request = Self.request(headers: [HTTPHeader(name.uppercased(), value)])
            let signed = Self.signer.sign(request, credentials: Self.credentials(), date: Self.date)
            #expect(Self.values(name, in: signed) == [value])
            #expect(try !Self.signedHeaders(signed).contains(name))
            #expect(try Self.authorization(signed) == Self.authorization(plain))
        }
    }

    @Test func theSignedRequestNeverShowsTheSecretKeyOrTheToken() throws {
        let credentials = Self.credentials(token: Self.token)
        let signed = Self.signer.sign(Self.request(), credentials: credentials, date: Self.date)
        var dumped = ""
        dump(signed, to: &dumped)
        dump(credentials, to: &dumped)
        let texts = [
            String(describing: signed), String(reflecting: signed), "\(signed.headers)", dumped,
            String(describing: credentials), String(reflecting: credentials),
        ]
        for text in texts {
            #expect(!text.contains(Self.secret))
            #expect(!text.contains(Self.token))
        }
    }

    /// AWS's documented example ("Examples of how to derive a signing key for Signature Version 4"), and the
    /// FACTS §1 check: that chain signs `get-vanilla`'s string to sign as `5fa00fa3…bf31`.
    @Test func theSigningKeyIsTheChainAWSDocuments() {
        let secret = Secret(copying: Self.secret)
        let documented = SigV4Signer.signingKey(secret: secret, day: "20150830", region: "us-east-1", service: "iam")
        #expect(
            documented.withUnsafeBytes { Hex.encode(Array($0)) }
                == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        )
        let key = SigV4Signer.signingKey(secret: secret, day: "20150830", region: "us-east-1", service: "service")
        let stringToSign =
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            + "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
        #expect(
            Hex.encode(HMACSHA256.authenticate(Array(stringToSign.utf8), key: key))
                == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        )
    }

    /// aws-c-auth and botocore agree: no trailing slash is invented for a path ending in `.` or `..`.
    @Test(arguments: [
        ("/a/b/..", "/a"), ("/a/b/.", "/a/b"), ("/a/b/../", "/a/"), ("/a/..", "/"), ("//", "/"), ("/./", "/"),
        ("//a//b//", "/a/b/"), ("/../a", "/a"), ("/a b/ሴ/%41", "/a%20b/%E1%88%B4/%2541"), ("/~x/", "/~x/"),
    ])
    func pathsAreNormalisedLikeAwsCAuthAndBotocore(path: String, canonical: String) {
        #expect(SigV4Encoding.canonicalPath(path, normalize: true) == canonical)
    }

    @Test func queryBytesThatAreNotUTF8AreEncodedBackAsTheSameBytes() {
        #expect(SigV4Encoding.canonicalQuery("b=%FF%fe&a=%E1%88%B4") == "a=%E1%88%B4&b=%FF%FE")
    }
}
