package import CfgHTTP
import CfgSecure
import Synchronization

/// Turns an input into the HTTP responses a hostile server would send, and serves them to a client.
///
/// The input is one or more responses separated by a line `=====`. Each response is written as a server sends it
/// after curl has taken the transfer apart: a status line (`HTTP/1.1 200 OK`, or only `200`), header lines
/// (`name: value`), an empty line, then the body. Lines may end in `\n` or `\r\n`. A response without a
/// readable status is served as status 0, which no client accepts. This keeps corpus files readable and lets a
/// mutation change a status, a header or a body byte alike.
package enum FuzzResponses {
    /// How many requests one input answers; a client that asks more (an endless pagination, a retry loop) gets
    /// a transport failure instead, so that one input always finishes.
    package static let maximumRequests = 64

    /// The responses written in `bytes`, in order.
    package static func parse(_ bytes: UnsafeRawBufferPointer) -> [HTTPResponse] {
        let separator = Array("\n=====\n".utf8)
        var responses: [HTTPResponse] = []
        var start = 0
        var index = 0
        while index + separator.count <= bytes.count {
            if bytes[index..<(index + separator.count)].elementsEqual(separator) {
                responses.append(response(UnsafeRawBufferPointer(rebasing: bytes[start..<index])))
                index += separator.count
                start = index
            } else {
                index += 1
            }
        }
        responses.append(response(UnsafeRawBufferPointer(rebasing: bytes[start..<bytes.count])))
        return responses
    }

    /// One response: status line, headers, empty line, body.
    private static func response(_ bytes: UnsafeRawBufferPointer) -> HTTPResponse {
        var status = 0
        var headers: [String: String] = [:]
        var position = 0
        var isStatusLine = true
        while position < bytes.count {
            let end = (position..<bytes.count).first { bytes[$0] == UInt8(ascii: "\n") } ?? bytes.count
            var line = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self)
            if line.hasSuffix("\r") { line.removeLast() }
            position = min(end + 1, bytes.count)
            if line.isEmpty { break }
            if isStatusLine {
                isStatusLine = false
                let words = line.split(separator: " ")
                let code = line.hasPrefix("HTTP/") ? words.dropFirst().first : words.first
                status = code.flatMap { Int($0) } ?? 0
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].trimmingSpaces()
                headers[name] = line[line.index(after: colon)...].trimmingSpaces()
            }
        }
        let body = Secret(bytes: UnsafeRawBufferPointer(rebasing: bytes[position..<bytes.count]))
        return HTTPResponse(status: status, headers: headers, body: body)
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    fileprivate func trimmingSpaces() -> String {
        var text = self
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return String(text)
    }
}

/// A transport that answers each request with the next scripted response (the last one repeats), up to
/// ``FuzzResponses/maximumRequests`` requests.
///
/// It stands in for the network only: everything after the transport (status handling, header reading, body
/// decoding, retries, pagination) is the code under test.
final class ScriptedTransport: HTTPTransport {
    private let responses: [HTTPResponse]
    private let served = Mutex(0)

    init(_ responses: [HTTPResponse]) {
        self.responses = responses
    }

    func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        let index = served.withLock { count in
            defer { count += 1 }
            return count
        }
        guard index < FuzzResponses.maximumRequests, let last = responses.last else {
            throw HTTPError(.unreachable, "the fuzz input has no answer to request \(index + 1)")
        }
        return index < responses.count ? responses[index] : last
    }
}
