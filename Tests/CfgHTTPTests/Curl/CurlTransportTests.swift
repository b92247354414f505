import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

/// The transport against the scripted HTTP server on 127.0.0.1.
struct CurlTransportTests {
    @Test(
        arguments: [
            (HTTPMethod.get, false), (.post, true), (.put, true), (.patch, true), (.list, false), (.delete, false),
            (.delete, true),
        ]
    )
    func roundTripSendsMethodPathHeadersAndBodyExactly(method: HTTPMethod, sendsBody: Bool) async throws {
        let reply = Array(TestSupport.everyByte.reversed())
        let server = try ScriptedHTTPServer { _ in
            ScriptedHTTPServer.ScriptedResponse(
                status: 201,
                headers: [.init("X-Reply", "yes"), .init("X-Dup", "first"), .init("X-Dup", "second")],
                body: reply
            )
        }
        defer { server.stop() }
        let transport = try CurlTransport(options: .init())
        defer { transport.shutdown() }
        let token = TestSupport.canary()
        let request = HTTPRequest(
            method: method,
            url: "\(server.baseURL)/v1/secret/data/app?version=2",
            headers: [HTTPHeader("X-Vault-Token", secret: Secret(copying: token)), HTTPHeader("X-Empty", "")],
            body: sendsBody ? Secret(bytes: TestSupport.everyByte) : nil
        )

        let response = try await transport.send(request)

        let recorded = try #require(server.requests.first)
        #expect(server.requests.count == 1)
        #expect(recorded.method == method.rawValue)
        #expect(recorded.path == "/v1/secret/data/app?version=2")
        #expect(recorded.header("X-Vault-Token") == token)
        #expect(recorded.header("X-Empty") == "")
        #expect(recorded.body == (sendsBody ? TestSupport.everyByte : []))
        #expect(recorded.header("Content-Length") == (sendsBody ? "256" : nil))
        #expect(recorded.header("Expect") == nil)
        #expect(recorded.header("Content-Type") == nil)
        #expect(recorded.header("Host") == "127.0.0.1:\(server.port)")
        #expect(response.status == 201)
        #expect(response.header("X-REPLY") == "yes")
        #expect(response.header("x-dup") == "second")
        #expect(TestSupport.bytes(response.body) == reply)
    }

    /// The transport reuses a composed header line only for the very same value object: a new token, even one
    /// with the same bytes, is sent as itself, and an earlier one again when it comes back.
    @Test func eachRequestSendsTheHeaderValuesItWasGiven() async throws {
        let server = try ScriptedHTTPServer { _ in .text("ok") }
        defer { server.stop() }
        let transport = try CurlTransport(options: .init())
        defer { transport.shutdown() }
        let first = Secret(copying: TestSupport.canary())
        let second = Secret(copying: TestSupport.canary())
        let sameBytesAsFirst = Secret(bytes: first.withUnsafeBytes { Array($0) })
        let constant = HTTPHeader("X-Constant", "fixed")
        let tokens = [first, second, first, sameBytesAsFirst, second]

        for token in tokens {
            _ = try await transport.send(
                HTTPRequest(
                    method: .get,
                    url: "\(server.baseURL)/item",
                    headers: [constant, HTTPHeader("X-Vault-Token", secret: token)]
                )
            )
        }

        #expect(server.requests.map { $0.header("X-Vault-Token") } == tokens.map { $0.stringValue() })
        #expect(server.requests.allSatisfy { $0.header("X-Constant") == "fixed" })
    }

    @Test func postWithoutBodySendsEmptyContentLength() async throws {
        let server = try ScriptedHTTPServer { _ in .text("done") }
        defer { server.stop() }
        let transport = try CurlTransport(options: .init())
        defer { transport.shutdown() }

        let response = try await transport.send(HTTPRequest(method: .post, url: "\(server.baseURL)/v1/sys/renew"))

        let recorded = try #require(server.requests.first)
        #expect(recorded.method == "POST")
        #expect(recorded.header("Content-Length") == "0")
        #expect(recorded.body.isEmpty)
        #expect(TestSupport.text(response) == "done")
    }

    @Test func headReturnsHeadersWithoutBody() async throws {
        let server = try ScriptedHTTPServer { _ in .text("hello") }
        defer { server.stop() }
        let transport = try CurlTransport(options: .init())
        defer { transport.shutdown() }

        let response = try await transport.send(HTTPRequest(method: .head, url: "\(server.baseURL)/v1/sys/health"))

        #expect(server.requests.first?.method == "HEAD")
        #expect(response.status == 200)
        #expect(response.header("Content-Length") == "5")
        #expect(response.body.isEmpty)
    }

    @Test func largeBodiesTravelIntactBothWays() async throws {
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        let server = try ScriptedHTTPServer { request in
            ScriptedHTTPServer.ScriptedResponse(body: request.body.reversed())
        }
        defer { server.stop() }
        let transport = try CurlTransport(options: .init())
        defer { transport.shutdown() }

        let response = try await transport.send(
            HTTPRequest(method: .put, url: "\(server.baseURL)/blob", body: Secret(bytes: payload))
        )

        #expect(server.requests.first?.body == payload)
        #expect(TestSupport.bytes(response.body) == payload.reversed())
    }

    @Test func onlyTheFinalResponseHeadersAreKept() async throws {
        let server = try ScriptedHTTPServer { _ in
            ScriptedHTTPServer.ScriptedResponse(headers: [.init("X-Final", "yes")], body: Array("ok".utf8))
        }
        defer { server.stop() }
        let transport = try CurlTransport(options: .init())
        defer { transport.shutdown() }
        // Asking for 100-continue makes the server send an interim response with its own header first.
        let request = HTTPRequest(
            method: .post,
            url: "\(server.baseURL)/x",
            headers: [HTTPHeader("Expect", "100-continue")],
            body: Secret(copying: "{}")
        )

        let response = try await transport.send(request)

        #expect(server.requests.first?.header("Expect") == "100-continue")
        #expect(response.status == 200)
        #expect(response.header("X-Final") == "yes")
        #expect(response.header("X-Interim") == nil)
    }

    @Test func parallelRequestsCompleteAndReuseConnections() async throws {
        let server = try ScriptedHTTPServer { request in .text("reply \(request.path)", delay: .milliseconds(50)) }
        defer { server.stop() }
        let transport = try CurlTransport(options: .init())
        defer { transport.shutdown() }

        let bodies = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<20 {
                group.addTask {
                    let response = try await transport.send(
                        HTTPRequest(method: .get, url: "\(server.baseURL)/item/\(index)")
                    )
                    return (index, TestSupport.text(response))
                }
            }
            var bodies: [Int: String] = [:]
            for try await (index, body) in group {
                bodies[index] = body
            }
            return bodies
        }

        #expect(bodies.count == 20)
        #expect(bodies.allSatisfy { index, body in body == "reply /item/\(index)" })
        let firstRound = server.connectionsAccepted
        #expect(firstRound < 20)
        #expect(firstRound <= HTTPClientOptions().maxConnectionsPerHost)
        #expect(Set(server.requests.map(\.connection)).count > 1, "the requests did not run in parallel")
        #expect(transport.statistics.requests == 20)
        #expect(transport.statistics.connectionsOpened == firstRound)

        for index in 0..<5 {
            _ = try await transport.send(HTTPRequest(method: .get, url: "\(server.baseURL)/again/\(index)"))
        }
        #expect(server.connectionsAccepted == firstRound, "sequential requests opened new connections")
        #expect(transport.statistics.requests == 25)
        #expect(transport.statistics.connectionsOpened == firstRound)
    }

    @Test func maxConnectionsPerHostLimitsConnections() async throws {
        let server = try ScriptedHTTPServer { _ in .text("ok", delay: .milliseconds(20)) }
        defer { server.stop() }
        let transport = try CurlTransport(options: .init(maxConnectionsPerHost: 2))
        defer { transport.shutdown() }

        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<10 {
                group.addTask {
                    try await transport.send(HTTPRequest(method: .get, url: "\(server.baseURL)/\(index)")).status
                }
            }
            for try await status in group {
                #expect(status == 200)
            }
        }

        #expect(server.requests.count == 10)
        #expect(server.connectionsAccepted <= 2)
        #expect(transport.statistics.connectionsOpened == server.connectionsAccepted)
        // The other eight waited as plans, not as libcurl transfers holding a handle and buffers each.
        #expect(transport.statistics.mostTransfersAtOnce == 2)
    }

    @Test func aCancelledRequestWaitingForRoomFailsWithoutBeingSent() async throws {
        let server = try ScriptedHTTPServer { request in request.path == "/hang" ? .hang : .text("fine") }
        defer { server.stop() }
        let transport = try CurlTransport(options: .init(totalTimeout: .seconds(600), maxConnectionsPerHost: 1))
        defer { transport.shutdown() }
        let token = TestSupport.canary()

        let error = await withTaskGroup(of: HTTPError?.self) { group in
            let holder = Task {
                await TestSupport.failure(of: HTTPRequest(method: .get, url: "\(server.baseURL)/hang"), on: transport)
            }
            // Generous: CPU-heavy tests running at the same time can hold both cores for tens of seconds.
            #expect(await TestSupport.eventually(within: .seconds(120)) { server.requests.count == 1 })
            group.addTask {
                await TestSupport.failure(
                    of: HTTPRequest(
                        method: .get,
                        url: "\(server.baseURL)/waiting",
                        headers: [HTTPHeader("X-Token", token)]
                    ),
                    on: transport
                )
            }
            // The waiting request cannot start while the one connection hangs; give the worker time to see it.
            try? await Task.sleep(for: .milliseconds(200))
            group.cancelAll()
            let error = await group.next() ?? nil
            holder.cancel()
            _ = await holder.value
            return error
        }

        #expect(error?.kind == .cancelled)
        #expect(error?.description.contains(token) == false)
        #expect(server.requests.map(\.path) == ["/hang"])
        #expect(transport.statistics.mostTransfersAtOnce == 1)
        let after = try await transport.send(HTTPRequest(method: .get, url: "\(server.baseURL)/next"))
        #expect(TestSupport.text(after) == "fine")
    }

    /// A request's timeout counts while it waits for room: it ends at its own deadline, unsent, while the request
    /// ahead of it is still running.
    @Test func aRequestWaitingForRoomTimesOutOnItsOwnDeadlineWithoutBeingSent() async throws {
        let server = try ScriptedHTTPServer { _ in .hang }
        defer { server.stop() }
        let transport = try CurlTransport(options: .init(totalTimeout: .seconds(600), maxConnectionsPerHost: 1))
        defer { transport.shutdown() }
        let holder = Task {
            await TestSupport.failure(of: HTTPRequest(method: .get, url: "\(server.baseURL)/hang"), on: transport)
        }
        // Generous: CPU-heavy tests running at the same time can hold both cores for tens of seconds.
        #expect(await TestSupport.eventually(within: .seconds(120)) { server.requests.count == 1 })

        let waiting = await TestSupport.failure(
            of: HTTPRequest(method: .get, url: "\(server.baseURL)/waiting", timeout: .milliseconds(300)),
            on: transport
        )

        #expect(waiting?.kind == .timeout)
        #expect(waiting?.description.contains("timed out waiting") == true)
        #expect(server.requests.map(\.path) == ["/hang"])
        holder.cancel()
        // Still running when the waiting request gave up (its own timeout is 600 s): cancelled, not timed out.
        #expect(await holder.value?.kind == .cancelled)
    }

    @Test func shutdownFailsRequestsWaitingForRoom() async throws {
        let server = try ScriptedHTTPServer { _ in .hang }
        defer { server.stop() }
        let transport = try CurlTransport(options: .init(totalTimeout: .seconds(60), maxConnectionsPerHost: 1))

        let errors = await withTaskGroup(of: HTTPError?.self) { group in
            for path in ["/first", "/second", "/third"] {
                group.addTask {
                    await TestSupport.failure(of: HTTPRequest(method: .get, url: server.baseURL + path), on: transport)
                }
            }
            #expect(await TestSupport.eventually(within: .seconds(120)) { server.requests.count == 1 })
            transport.shutdown()
            var errors: [HTTPError?] = []
            for await error in group { errors.append(error) }
            return errors
        }

        #expect(errors.count == 3)
        #expect(errors.allSatisfy { $0?.kind == .cancelled })
        #expect(server.requests.count == 1)
    }

    @Test func hangingServerTimesOutWithinTotalTimeout() async throws {
        let server = try ScriptedHTTPServer { _ in .hang }
        defer { server.stop() }
        let transport = try CurlTransport(options: .init(totalTimeout: .milliseconds(500)))
        defer { transport.shutdown() }
        let token = TestSupport.canary()
        let clock = ContinuousClock()
        let start = clock.now

        let error = try #require(
            await TestSupport.failure(
                of: HTTPRequest(
                    method: .post,
                    url: "\(server.baseURL)/v1/auth/token",
                    headers: [HTTPHeader("X-Vault-Token", token)],
                    body: Secret(copying: token)
                ),
                on: transport
            )
        )

        let elapsed = clock.now - start
        #expect(error.kind == .timeout)
        #expect(elapsed >= .milliseconds(450))
        // A hang guard, not a benchmark: the server never answers, so without the timeout this would never end.
        // Generous, because CPU-heavy tests running at the same time can hold both threads of the cooperative pool
        // for tens of seconds on a 2-core machine (36 s was seen while fuzzers ran).
        #expect(elapsed < .seconds(120), "the timeout ended the request")
        #expect(error.description.contains("127.0.0.1:\(server.port)"))
        #expect(!error.description.contains(token))
    }

    @Test func requestTimeoutOverridesTotalTimeout() async throws {
        let server = try ScriptedHTTPServer { _ in .hang }
        defer { server.stop() }
        let transport = try CurlTransport(options: .init(totalTimeout: .seconds(600)))
        defer { transport.shutdown() }
        let clock = ContinuousClock()
        let start = clock.now

        let error = await TestSupport.failure(
            of: HTTPRequest(method: .get, url: "\(server.baseURL)/slow", timeout: .milliseconds(300)),
            on: transport
        )

        #expect(error?.kind == .timeout)
        // Far below the 600 s total timeout, and generous for a loaded 2-core machine (see above).
        #expect(clock.now - start < .seconds(120), "the request's own timeout ended it, not the total")
    }

    @Test func cancellingTheTaskAbortsTheTransferPromptly() async throws {
        let server = try ScriptedHTTPServer { request in request.path == "/hang" ? .hang : .text("fine") }
        defer { server.stop() }
        let transport = try CurlTransport(options: .init(totalTimeout: .seconds(600)))
        defer { transport.shutdown() }
        let token = TestSupport.canary()
        let clock = ContinuousClock()

        let (error, elapsed) = await withTaskGroup(of: HTTPError?.self) { group in
            group.addTask {
                await TestSupport.failure(
                    of: HTTPRequest(
                        method: .get,
                        url: "\(server.baseURL)/hang",
                        headers: [HTTPHeader("X-Token", token)]
                    ),
                    on: transport
                )
            }
            // Cancel only once the request is on the wire, so that a running transfer is aborted. Generous, as above.
            let arrived = await TestSupport.eventually(within: .seconds(120)) { server.requests.count == 1 }
            #expect(arrived)
            let start = clock.now
            group.cancelAll()
            let error = await group.next() ?? nil
            return (error, clock.now - start)
        }

        #expect(error?.kind == .cancelled)
        #expect(elapsed < .seconds(120), "far below the 600 s total timeout; generous for a loaded 2-core machine")
        #expect(error?.description.contains(token) == false)
        let after = try await transport.send(HTTPRequest(method: .get, url: "\(server.baseURL)/next"))
        #expect(TestSupport.text(after) == "fine")
    }

    @Test func requestInAnAlreadyCancelledTaskIsNotSent() async throws {
        let server = try ScriptedHTTPServer { _ in .text("unexpected") }
        defer { server.stop() }
        let transport = try CurlTransport(options: .init())
        defer { transport.shutdown() }

        let error = await withTaskGroup(of: HTTPError?.self) { group in
            group.cancelAll()
            group.addTask {
                await TestSupport.failure(of: HTTPRequest(method: .get, url: "\(server.baseURL)/x"), on: transport)
            }
            return await group.next() ?? nil
        }

        #expect(error?.kind == .cancelled)
        #expect(server.requests.isEmpty)
    }

    @Test func shutdownFailsPendingAndLaterRequests() async throws {
        let server = try ScriptedHTTPServer { _ in .hang }
        defer { server.stop() }
        let transport = try CurlTransport(options: .init(totalTimeout: .seconds(60)))

        let error = await withTaskGroup(of: HTTPError?.self) { group in
            group.addTask {
                await TestSupport.failure(of: HTTPRequest(method: .get, url: "\(server.baseURL)/hang"), on: transport)
            }
            _ = await TestSupport.eventually { server.requests.count == 1 }
            transport.shutdown()
            return await group.next() ?? nil
        }
        transport.shutdown()
        let later = await TestSupport.failure(of: HTTPRequest(method: .get, url: server.baseURL), on: transport)

        #expect(error?.kind == .cancelled)
        #expect(later?.kind == .cancelled)
        #expect(later?.description.contains("shut down") == true)
    }

    @Test func closedPortIsUnreachable() async throws {
        let closed = try ScriptedHTTPServer { _ in .text("") }
        closed.stop()
        let transport = try CurlTransport(options: .init())
        defer { transport.shutdown() }
        let token = TestSupport.canary()

        let error = try #require(
            await TestSupport.failure(
                of: HTTPRequest(
                    method: .put,
                    url: "\(closed.baseURL)/v1/secret?token=\(token)",
                    headers: [HTTPHeader("Authorization", "Bearer \(token)")],
                    body: Secret(copying: token)
                ),
                on: transport
            )
        )

        #expect(error.kind == .unreachable)
        #expect(error.description.contains("127.0.0.1:\(closed.port)"))
        #expect(!error.description.contains(token))
        #expect(!error.description.contains("\n"))
    }

    @Test func connectionClosedWithoutAnswerIsATransferError() async throws {
        let server = try ScriptedHTTPServer { _ in .close }
        defer { server.stop() }
        let transport = try CurlTransport(options: .init())
        defer { transport.shutdown() }

        let error = await TestSupport.failure(of: HTTPRequest(method: .get, url: "\(server.baseURL)/x"), on: transport)

        #expect(error?.kind == .transfer)
    }

    @Test func httpProxyReceivesTheAbsoluteURL() async throws {
        let proxy = try ScriptedHTTPServer { _ in .text("via proxy") }
        defer { proxy.stop() }
        let transport = try CurlTransport(options: .init(proxy: ProxySettings(http: proxy.baseURL)))
        defer { transport.shutdown() }

        let response = try await transport.send(HTTPRequest(method: .get, url: "http://127.0.0.1:1/x"))

        #expect(TestSupport.text(response) == "via proxy")
        #expect(proxy.requests.map(\.path) == ["http://127.0.0.1:1/x"])
    }

    @Test func noProxyBypassesTheProxy() async throws {
        let proxy = try ScriptedHTTPServer { _ in .text("via proxy") }
        defer { proxy.stop() }
        let transport = try CurlTransport(
            options: .init(proxy: ProxySettings(http: proxy.baseURL, noProxy: "127.0.0.1"))
        )
        defer { transport.shutdown() }

        let error = await TestSupport.failure(of: HTTPRequest(method: .get, url: "http://127.0.0.1:1/x"), on: transport)

        #expect(error?.kind == .unreachable)
        #expect(proxy.requests.isEmpty)
    }

    @Test func httpsProxyIsNotUsedForHTTP() async throws {
        let proxy = try ScriptedHTTPServer { _ in .text("via proxy") }
        defer { proxy.stop() }
        let origin = try ScriptedHTTPServer { _ in .text("direct") }
        defer { origin.stop() }
        let transport = try CurlTransport(options: .init(proxy: ProxySettings(https: proxy.baseURL)))
        defer { transport.shutdown() }

        let response = try await transport.send(HTTPRequest(method: .get, url: "\(origin.baseURL)/x"))

        #expect(TestSupport.text(response) == "direct")
        #expect(proxy.requests.isEmpty)
    }

    @Test(
        arguments: [
            ("not a url", "X-Token", false, HTTPMethod.get),
            ("ftp://127.0.0.1/x", "X-Token", false, .get),
            ("file:///etc/passwd", "X-Token", false, .get),
            ("http://127.0.0.1:1/x", "Bad Header", false, .get),
            ("http://127.0.0.1:1/x", "X-Token", true, .get),
            ("http://127.0.0.1:1/x", "Content-Length", false, .post),
            ("http://127.0.0.1:1/x", "X-Token", false, HTTPMethod(rawValue: "GE T")),
        ]
    )
    func invalidRequestsFailBeforeSending(
        url: String,
        headerName: String,
        injectsLineBreak: Bool,
        method: HTTPMethod
    )
        async throws
    {
        let transport = try CurlTransport(options: .init())
        defer { transport.shutdown() }
        let token = TestSupport.canary()
        let value = injectsLineBreak ? "\(token)\r\nX-Injected: 1" : token

        let error = try #require(
            await TestSupport.failure(
                of: HTTPRequest(method: method, url: url, headers: [HTTPHeader(headerName, value)]),
                on: transport
            )
        )

        #expect(error.kind == .invalidRequest)
        #expect(!error.description.contains(token))
        #expect(transport.statistics == HTTPStatistics())
    }

    @Test func headWithBodyIsInvalid() async throws {
        let transport = try CurlTransport(options: .init())
        defer { transport.shutdown() }

        let error = await TestSupport.failure(
            of: HTTPRequest(method: .head, url: "http://127.0.0.1:1/", body: Secret(copying: "x")),
            on: transport
        )

        #expect(error?.kind == .invalidRequest)
    }

    @Test(
        arguments: [
            HTTPClientOptions(maxConnectionsPerHost: 0),
            HTTPClientOptions(totalTimeout: .zero),
            HTTPClientOptions(tls: TLSOptions(serverName: "vault.test:8200")),
            HTTPClientOptions(tls: TLSOptions(clientKey: "/tmp/key.pem")),
        ]
    )
    func unusableOptionsAreRejected(options: HTTPClientOptions) {
        #expect(throws: HTTPError(.invalidRequest, "")) {
            _ = try CurlTransport(options: options)
        }
    }
}
