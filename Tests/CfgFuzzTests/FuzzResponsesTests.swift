import CfgFuzz
import CfgHTTP
import CfgSecure
import Testing

/// The framing that turns one fuzz input into the responses of a hostile server.
struct FuzzResponsesTests {
    private func parse(_ text: String) -> [HTTPResponse] {
        Array(text.utf8).withUnsafeBytes { FuzzResponses.parse($0) }
    }

    @Test func aResponseHasAStatusHeadersAndABody() throws {
        let responses = parse(
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nX-A:  b \r\n\r\n{\"errors\":[]}"
        )
        let response = try #require(responses.first)
        #expect(responses.count == 1)
        #expect(response.status == 404)
        #expect(response.headers == ["content-type": "application/json", "x-a": "b"])
        #expect(response.body.stringValue() == "{\"errors\":[]}")
    }

    @Test func aLineOfEqualSignsSeparatesResponses() {
        let responses = parse("200\n\nfirst\n=====\n500\nRetry-After: 0\n\nsecond")
        #expect(responses.map(\.status) == [200, 500])
        #expect(responses.map { $0.body.stringValue() } == ["first", "second"])
    }

    @Test(arguments: ["", "not a status\n\nbody", "HTTP/1.1\n\n", "99999999999999999999999\n\n"])
    func anUnreadableStatusIsZero(text: String) {
        #expect(parse(text).map(\.status) == [0])
    }
}
