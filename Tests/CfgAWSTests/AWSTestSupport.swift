import CfgAWSAuth
import CfgBackend
import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Synchronization
import Testing

@testable import CfgAWS

/// Fixed credentials for moto, which accepts any key and does not check signatures.
struct FixedCredentials: AWSCredentialProvider {
    var accessKeyID = "AKIDCFGTEST"
    var secret = "cfg-test-secret-key"
    var sessionToken: String?

    func credentials() async throws(AWSCredentialError) -> AWSCredentials {
        AWSCredentials(
            accessKeyID: accessKeyID,
            secretAccessKey: Secret(copying: secret),
            sessionToken: sessionToken.map { Secret(copying: $0) },
            source: "the test"
        )
    }
}

/// Credentials that never come.
struct MissingCredentials: AWSCredentialProvider {
    func credentials() async throws(AWSCredentialError) -> AWSCredentials {
        throw AWSCredentialError(.missing, "no credentials in the test")
    }
}

/// A transport that records every request and forwards it to another transport.
final class RecordingTransport: HTTPTransport {
    let inner: any HTTPTransport
    private let recorded = Mutex<[HTTPRequest]>([])

    init(_ inner: any HTTPTransport) {
        self.inner = inner
    }

    func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        recorded.withLock { $0.append(request) }
        return try await inner.send(request)
    }

    var requests: [HTTPRequest] { recorded.withLock { $0 } }

    /// The `X-Amz-Target` operations sent, in order.
    var operations: [String] {
        requests.compactMap { request in
            request.headers.first { $0.name == "X-Amz-Target" }?.value.stringValue()?
                .replacingOccurrences(of: "secretsmanager.", with: "")
        }
    }
}

/// Backends against the shared moto server.
enum AWSFixture {
    /// A region of its own per call, so moto's per-region state never mixes between tests.
    static func uniqueRegion() -> String {
        let regions = ["eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "us-west-1", "us-west-2", "ap-south-1"]
        return regions[Int.random(in: 0..<regions.count)]
    }

    static func motoEndpoint() throws -> String {
        try TestServers.skipUnlessAvailable(try TestServers.moto(), "moto_server").endpoint
    }

    /// An AWS backend on moto over a real libcurl transport, with a recording wrapper.
    static func backend(
        region: String = "us-east-1",
        credentials: any AWSCredentialProvider = FixedCredentials(),
        endpoint: String? = nil
    ) throws -> (backend: AWSBackend, transport: RecordingTransport) {
        let curl = try CurlTransport(options: HTTPClientOptions())
        let transport = RecordingTransport(curl)
        let client = SecretsManagerClient(
            endpoint: try endpoint ?? motoEndpoint(),
            region: region,
            credentials: credentials,
            transport: transport
        )
        return (AWSBackend(client: client, release: { curl.shutdown() }), transport)
    }

    static func unique(_ prefix: String) -> String {
        "\(prefix)/\(Hex.encode(SecureRandom.bytes(count: 4)))"
    }
}
