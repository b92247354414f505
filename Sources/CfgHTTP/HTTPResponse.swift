package import CfgSecure

/// An HTTP response: status, the final response's headers and the body as a ``Secret``.
///
/// `description` and mirrors show the status, the header names and the body's size, never a header value
/// or body bytes.
package struct HTTPResponse: Sendable, CustomStringConvertible, CustomReflectable {
    /// The status code, e.g. `200`.
    package var status: Int
    /// The headers with lower-cased names; when a name repeats, the last value wins.
    package var headers: [String: String]
    /// The body, received into guarded memory.
    package var body: Secret

    /// Creates a response; header names are lower-cased.
    package init(status: Int, headers: [String: String] = [:], body: Secret = Secret(bytes: [])) {
        self.status = status
        var lowered: [String: String] = [:]
        for (name, value) in headers {
            lowered[name.lowercased()] = value
        }
        self.headers = lowered
        self.body = body
    }

    /// The value of the header `name`, compared case-insensitively.
    package func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }

    /// `HTTP 200 (headers: content-type, …; 42-byte body)`.
    package var description: String {
        let names = headers.keys.sorted().joined(separator: ", ")
        return "HTTP \(status) (headers: \(names); \(body.count)-byte body)"
    }

    /// Status, header names and body size only.
    package var customMirror: Mirror {
        Mirror(
            self,
            children: ["status": status, "headerNames": headers.keys.sorted(), "body": Secret.redacted],
            displayStyle: .struct
        )
    }
}
