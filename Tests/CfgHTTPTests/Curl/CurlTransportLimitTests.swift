import CfgHTTP
import CfgSecure
import Foundation
import Testing

/// Response limits against the malicious server on 127.0.0.1: every limit accepts an answer exactly at it and
/// refuses one a byte (or a line) past it, naming the endpoint without its query and never echoing the answer.
struct CurlTransportLimitTests {
    /// A request for `server` whose URL carries a query that must never appear in an error.
    static func request(_ server: HostileHTTPServer, limit: Int? = nil, timeout: Duration? = nil) -> HTTPRequest {
        HTTPRequest(
            method: .get,
            url: "\(server.baseURL)/v1/secret/data/app?token=QUERY-CANARY",
            timeout: timeout,
            maxResponseBytes: limit
        )
    }

    /// The error of sending `request`, after checking that it names no query and no canary.
    static func refusal(
        _ request: HTTPRequest,
        to server: HostileHTTPServer,
        options: HTTPClientOptions = .init()
    ) async throws -> HTTPError {
        let transport = try CurlTransport(options: options)
        defer { transport.shutdown() }
        let error = try #require(await TestSupport.failure(of: request, on: transport))
        for text in [error.description, String(reflecting: error), error.endpoint ?? "", error.exceeded ?? ""] {
            #expect(!text.contains(server.canary))
            #expect(!text.contains("QUERY-CANARY"))
        }
        return error
    }

    @Test(arguments: ["body", "chunked"])
    func aBodyExactlyAtTheRequestLimitIsAccepted(mode: String) async throws {
        let server = try HostileHTTPServer(mode, 10_000)
        defer { server.stop() }
        let transport = try CurlTransport(options: .init())
        defer { transport.shutdown() }

        let response = try await transport.send(Self.request(server, limit: 10_000))

        #expect(response.status == 200)
        #expect(response.body.count == 10_000)
    }

    @Test(arguments: ["body", "chunked"])
    func aBodyOneBytePastTheRequestLimitIsRefusedNamingTheEndpoint(mode: String) async throws {
        let server = try HostileHTTPServer(mode, 10_001)
        defer { server.stop() }

        let error = try await Self.refusal(Self.request(server, limit: 10_000), to: server)

        #expect(error.kind == .responseTooLarge)
        #expect(error.endpoint == "\(server.baseURL)/v1/secret/data/app")
        #expect(error.exceeded == "10000 bytes")
        #expect(error.description == "127.0.0.1:\(server.port) answered the GET request with more than 10000 bytes.")
    }

    @Test func theClientLimitAppliesWhenTheRequestSetsNone() async throws {
        let options = HTTPClientOptions(maxResponseBytes: 4096)
        let atLimit = try HostileHTTPServer("chunked", 4096)
        defer { atLimit.stop() }
        let transport = try CurlTransport(options: options)
        defer { transport.shutdown() }
        #expect(try await transport.send(Self.request(atLimit)).body.count == 4096)

        let pastLimit = try HostileHTTPServer("chunked", 4097)
        defer { pastLimit.stop() }
        let error = try await Self.refusal(Self.request(pastLimit), to: pastLimit, options: options)
        #expect(error.kind == .responseTooLarge)
        #expect(error.exceeded == "4 KiB")
    }

    @Test func theDefaultLimitIsOneMebibyte() async throws {
        let atLimit = try HostileHTTPServer("body", 1 << 20)
        defer { atLimit.stop() }
        let transport = try CurlTransport(options: .init())
        defer { transport.shutdown() }
        #expect(try await transport.send(Self.request(atLimit)).body.count == 1 << 20)

        let pastLimit = try HostileHTTPServer("chunked", (1 << 20) + 1)
        defer { pastLimit.stop() }
        let error = try await Self.refusal(Self.request(pastLimit), to: pastLimit)
        #expect(error.kind == .responseTooLarge)
        #expect(error.exceeded == "1 MiB")
    }

    /// The defect: an endless chunked answer grew cfg without bound. Now the transfer ends at the limit.
    @Test(arguments: ["endless", "huge-length"])
    func anEndlessOrHugeAnswerEndsAtTheLimit(mode: String) async throws {
        let server = try HostileHTTPServer(mode)
        defer { server.stop() }
        let start = ContinuousClock.now

        let error = try await Self.refusal(Self.request(server, limit: 64 << 10, timeout: .seconds(600)), to: server)

        #expect(error.kind == .responseTooLarge)
        #expect(error.exceeded == "64 KiB")
        // A hang guard generous for a loaded 2-core machine, far below the request's 600 s timeout.
        #expect(ContinuousClock.now - start < .seconds(120), "ended by the limit, not by the timeout")
    }

    @Test func headersExactlyAtTheByteLimitAreAcceptedAndOneBytePastAreRefused() async throws {
        let options = HTTPClientOptions(maxResponseHeaderBytes: 1000)
        let atLimit = try HostileHTTPServer("header-bytes", 1000)
        defer { atLimit.stop() }
        let transport = try CurlTransport(options: options)
        defer { transport.shutdown() }
        #expect(try await transport.send(Self.request(atLimit)).status == 200)

        let pastLimit = try HostileHTTPServer("header-bytes", 1001)
        defer { pastLimit.stop() }
        let error = try await Self.refusal(Self.request(pastLimit), to: pastLimit, options: options)
        #expect(error.kind == .responseTooLarge)
        #expect(error.exceeded == "1000 bytes of headers")
        #expect(error.description.contains("127.0.0.1:\(pastLimit.port)"))
    }

    @Test func headersExactlyAtTheLineLimitAreAcceptedAndOneLinePastAreRefused() async throws {
        let options = HTTPClientOptions(maxResponseHeaderLines: 20)
        let atLimit = try HostileHTTPServer("header-lines", 20)
        defer { atLimit.stop() }
        let transport = try CurlTransport(options: options)
        defer { transport.shutdown() }
        #expect(try await transport.send(Self.request(atLimit)).status == 200)

        let pastLimit = try HostileHTTPServer("header-lines", 21)
        defer { pastLimit.stop() }
        let error = try await Self.refusal(Self.request(pastLimit), to: pastLimit, options: options)
        #expect(error.kind == .responseTooLarge)
        #expect(error.exceeded == "20 header lines")
    }

    @Test func theDefaultHeaderLimitsAreSixtyFourKibibytesAndTwoHundredLines() async throws {
        let bytes = try HostileHTTPServer("header-bytes", (64 << 10) + 1)
        defer { bytes.stop() }
        #expect(try await Self.refusal(Self.request(bytes), to: bytes).exceeded == "64 KiB of headers")

        let lines = try HostileHTTPServer("header-lines", 201)
        defer { lines.stop() }
        #expect(try await Self.refusal(Self.request(lines), to: lines).exceeded == "200 header lines")
    }

    @Test func oneHeaderLineLongerThanLibcurlTakesIsTooLargeNotOutOfMemory() async throws {
        let server = try HostileHTTPServer("huge-header", 200 << 10)
        defer { server.stop() }

        let error = try await Self.refusal(Self.request(server), to: server)

        #expect(error.kind == .responseTooLarge)
        #expect(error.exceeded == "100 KiB in one header line")
    }

    @Test(arguments: ["drip", "drip-headers"])
    func aServerThatDripsOneByteASecondHitsTheTotalTimeout(mode: String) async throws {
        let server = try HostileHTTPServer(mode)
        defer { server.stop() }
        let start = ContinuousClock.now

        let error = try await Self.refusal(Self.request(server, timeout: .seconds(2)), to: server)

        #expect(error.kind == .timeout)
        // The server drips 1,000 bytes at one a second; a hang guard generous for a loaded 2-core machine.
        #expect(ContinuousClock.now - start < .seconds(120))
    }

    @Test func aRedirectIsReturnedNotFollowed() async throws {
        let target = try HostileHTTPServer("body", 10)
        defer { target.stop() }
        let server = try HostileHTTPServer("redirect", target.port)
        defer { server.stop() }
        let transport = try CurlTransport(options: .init())
        defer { transport.shutdown() }

        let response = try await transport.send(Self.request(server))

        #expect(response.status == 307)
        #expect(response.header("Location") == "http://127.0.0.1:\(target.port)/v1/redirected")
    }

    @Test func aLimitBelowOneIsAnInvalidRequestOrOption() async throws {
        let transport = try CurlTransport(options: .init())
        defer { transport.shutdown() }
        let request = HTTPRequest(method: .get, url: "http://127.0.0.1:1/", maxResponseBytes: 0)
        #expect(await TestSupport.failure(of: request, on: transport)?.kind == .invalidRequest)
        for options in [
            HTTPClientOptions(maxResponseBytes: 0), HTTPClientOptions(maxResponseHeaderBytes: 0),
            HTTPClientOptions(maxResponseHeaderLines: 0),
        ] {
            #expect(throws: HTTPError(.invalidRequest, "")) { try CurlTransport(options: options) }
        }
    }

    @Test(arguments: [
        (1, "1 byte"), (1000, "1000 bytes"), (1024, "1 KiB"), (65_536, "64 KiB"), (1_048_576, "1 MiB"),
        (8_388_608, "8 MiB"), (1_048_577, "1048577 bytes"), (1536, "1536 bytes"),
    ])
    func sizesReadAsUnitsOnlyWhenWhole(bytes: Int, text: String) {
        #expect(HTTPError.size(bytes) == text)
    }
}
