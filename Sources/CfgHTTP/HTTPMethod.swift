/// An HTTP request method.
///
/// A struct rather than an enum so that a backend can use an extension verb this module does not list;
/// Vault's `LIST` is the one cfg needs today.
package struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The verb as sent on the request line, e.g. `GET`.
    package var rawValue: String

    /// Creates a method from its verb; the transport rejects verbs that are not HTTP tokens.
    package init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// `GET`.
    package static let get = HTTPMethod(rawValue: "GET")
    /// `POST`.
    package static let post = HTTPMethod(rawValue: "POST")
    /// `PUT`.
    package static let put = HTTPMethod(rawValue: "PUT")
    /// `PATCH`.
    package static let patch = HTTPMethod(rawValue: "PATCH")
    /// `DELETE`.
    package static let delete = HTTPMethod(rawValue: "DELETE")
    /// Vault's `LIST` verb (the same as `GET` with `?list=true`).
    package static let list = HTTPMethod(rawValue: "LIST")
    /// `HEAD`: the response has headers and no body.
    package static let head = HTTPMethod(rawValue: "HEAD")

    /// The verb.
    package var description: String { rawValue }
}
