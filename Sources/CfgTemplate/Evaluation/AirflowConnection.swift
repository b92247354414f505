import CfgSuggestion

/// An Airflow connection read from a template map, written as the value of an `AIRFLOW_CONN_*` variable: the URI
/// form (filter `airflow_conn_uri`) or the JSON form (filter `airflow_conn_json`).
///
/// The fields are those of Airflow's `Connection`: `conn_type` (required), `description` (JSON form only), `host`,
/// `login`, `password`, `schema`, `port` and `extra` (a map). A null field is absent. The URI is built the way
/// Airflow's `Connection.get_uri` builds it (2.10 and 3.x agree on the escaping), where that reads back exactly
/// through `Connection(uri=…)` in both versions; where it would not, a form that does is chosen, or the value is
/// refused:
/// - `login`, `password`, `host` and `schema` are percent-encoded with nothing kept but `A-Z a-z 0-9 _ . - ~`
///   (Python's `quote(x, safe='')`); `conn_type` is written with `-` for `_` (Airflow reads it back as `_`).
/// - A host `proto://rest` is written `type://proto://…` when Airflow reads the protocol back unchanged; otherwise
///   (a protocol with upper-case or other characters, one ending with the connection type, which Airflow 2.10's
///   parser would cut out, or nothing after `://`) the whole host is percent-encoded, as Airflow 3 does when the
///   protocol is the connection type.
/// - A port without host or login is written `@:PORT`; extra without schema follows `/?`.
/// - `extra` is written as query parameters when every value is a string that Airflow reads back as that string
///   (Airflow 3.x's core parser reads a parameter that parses as JSON as JSON, so `"30"` would come back as `30`),
///   else as `__extra__=` with the JSON text.
/// - Airflow lower-cases a URI's host unless it contains `/`, so a host with upper-case ASCII letters is refused
///   (the JSON form keeps it).
///
/// The JSON form is what Airflow's `Connection.from_json` reads (the `AIRFLOW_CONN_*` value starts with `{`): the
/// fields in Airflow's order, `port` as a number, `extra` as an object, absent fields left out.
struct AirflowConnection {
    /// Which value to write.
    enum Form {
        case uri
        case json

        var filterName: String { self == .uri ? "airflow_conn_uri" : "airflow_conn_json" }
    }

    /// The fields of Airflow's `Connection`, in the order Airflow writes them.
    static let fields = ["conn_type", "description", "host", "login", "password", "schema", "port", "extra"]

    /// The key Airflow's URI form keeps JSON extra under.
    static let extraKey = "__extra__"

    var connType: String
    var description: String?
    var host: String?
    var login: String?
    var password: String?
    var schema: String?
    var port: Int?
    /// Nil when absent, null or empty (Airflow writes and reads no extra then).
    var extra: TemplateMap?

    /// Reads the fields of a map.
    ///
    /// - Throws: `typeError` for a value of the wrong kind, `invalidArgument` for an unknown or missing field, a
    ///   connection type or port Airflow would not accept, or a field the form cannot carry. Never with a value.
    init(_ input: TemplateValue, form: Form) throws(TemplateFilter.Failure) {
        guard case .map(let map) = input else {
            throw Self.failure(.typeError, "expects a map of connection fields, got \(input.kindName)")
        }
        var connType: String?
        for (key, value) in map.entries {
            guard Self.fields.contains(key) else {
                let hint = Suggestion.closest(to: key, among: Self.fields).map { "; did you mean '\($0)'?" }
                // A key may come from a secret's JSON: it is echoed only when it reads as a name.
                let named = Self.isPrintableName(key) ? " '\(key)'" : " (a key that is not a plain name)"
                throw Self.failure(
                    .invalidArgument,
                    "unknown connection field\(named)\(hint ?? "") (fields: \(Self.fields.joined(separator: ", ")))"
                )
            }
            if case .null = value { continue }
            switch key {
            case "conn_type": connType = try Self.text(value, key)
            case "description": description = try Self.text(value, key)
            case "host": host = try Self.text(value, key)
            case "login": login = try Self.text(value, key)
            case "password": password = try Self.text(value, key)
            case "schema": schema = try Self.text(value, key)
            case "port": port = try Self.port(value)
            default: extra = try Self.extra(value)
            }
        }
        guard let connType else {
            throw Self.failure(.invalidArgument, "the field 'conn_type' is required (for example 'postgres')")
        }
        guard Self.isConnectionType(connType) else {
            throw Self.failure(
                .invalidArgument,
                "'conn_type' is not a connection type Airflow reads back: use lower-case letters, digits, '_', '-', "
                    + "'.' and '+', starting with a letter (for example 'postgres')"
            )
        }
        self.connType = connType
        if form == .uri, description != nil {
            throw Self.failure(
                .invalidArgument,
                "Airflow's URI form has no 'description'; use airflow_conn_json, or leave the field out"
            )
        }
    }

    // MARK: - Fields

    /// `[A-Za-z_][A-Za-z0-9_-]*`, at most 64 characters: a key safe to print in a message.
    private static func isPrintableName(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, key.unicodeScalars.count <= 64,
            first == "_" || ("a"..."z").contains(first) || ("A"..."Z").contains(first)
        else { return false }
        return key.unicodeScalars.allSatisfy {
            $0 == "_" || $0 == "-" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        }
    }

    private static func failure(_ code: TemplateDiagnostic.Code, _ message: String) -> TemplateFilter.Failure {
        TemplateFilter.Failure(code: code, message: message)
    }

    /// A text field: a string, or a number or boolean printed as `{{ }}` prints it.
    private static func text(_ value: TemplateValue, _ key: String) throws(TemplateFilter.Failure) -> String {
        guard let text = value.scalarText else {
            throw failure(.typeError, "the field '\(key)' expects a string, got \(value.kindName)")
        }
        return text
    }

    /// A port: an integer or a string of digits, from 1 to 65535 (Airflow drops a port 0; Python's URL parser
    /// refuses one above 65535).
    private static func port(_ value: TemplateValue) throws(TemplateFilter.Failure) -> Int {
        let number: Int?
        switch value {
        case .integer(let integer, _):
            number = integer
        case .string(let text, _, _)
        where !text.isEmpty && text.utf8.count <= 5
            && text.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }):
            number = Int(text)
        case .string:
            throw failure(.invalidArgument, "the field 'port' expects a number from 1 to 65535 written in digits")
        default:
            throw failure(
                .typeError,
                "the field 'port' expects an integer or a string of digits, got \(value.kindName)"
            )
        }
        guard let number, (1...65535).contains(number) else {
            throw failure(.invalidArgument, "the field 'port' must be from 1 to 65535")
        }
        return number
    }

    private static func extra(_ value: TemplateValue) throws(TemplateFilter.Failure) -> TemplateMap? {
        guard case .map(let map) = value else {
            throw failure(.typeError, "the field 'extra' expects a map, got \(value.kindName)")
        }
        return map.entries.isEmpty ? nil : map
    }

    /// A URI scheme Airflow reads back as the type: lower-case (Python lower-cases a scheme) and made only of the
    /// characters Python's `urlsplit` accepts in one, `_` aside (written as `-`).
    static func isConnectionType(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || "_-.+".unicodeScalars.contains(scalar)
        }
    }

    // MARK: - URI form

    /// The URI form (see the type's discussion).
    ///
    /// - Throws: `invalidArgument` for a host Airflow would read back altered.
    func uri() throws(TemplateFilter.Failure) -> String {
        let scheme = connType.replacing("_", with: "-")
        var uri = scheme + "://"
        var hostText = host ?? ""
        if let host, let separator = host.firstRange(of: "://") {
            let proto = String(host[..<separator.lowerBound])
            let rest = String(host[separator.upperBound...])
            if Self.isProtocol(proto), !proto.hasSuffix(scheme), !rest.isEmpty, Self.hostReadsBack(rest) {
                uri += proto + "://"
                hostText = rest
            }
        } else if !Self.hostReadsBack(hostText) {
            throw Self.failure(
                .invalidArgument,
                "the host has upper-case letters, which Airflow lower-cases when it reads a URI; write it in lower "
                    + "case, or use airflow_conn_json"
            )
        }
        var authority = ""
        if let login { authority += TemplateEncoding.percentEncode(login) }
        if let password { authority += ":" + TemplateEncoding.percentEncode(password) }
        if !authority.isEmpty {
            authority += "@"
            uri += authority
        }
        var hostBlock = TemplateEncoding.percentEncode(hostText)
        if let port {
            hostBlock += hostBlock.isEmpty && authority.isEmpty ? "@:\(port)" : ":\(port)"
        }
        let hasSchema = !(schema ?? "").isEmpty
        if let schema, hasSchema { hostBlock += "/" + TemplateEncoding.percentEncode(schema) }
        uri += hostBlock
        if let extra {
            uri += (hasSchema ? "?" : "/?") + (try Self.query(extra))
        }
        return uri
    }

    /// A protocol Python's `urlsplit` reads back unchanged as the scheme of the rest of the URI.
    private static func isProtocol(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || "-.+".unicodeScalars.contains(scalar)
        }
    }

    /// Airflow reads a URI's host through Python's `hostname`, which lower-cases it, unless the decoded host
    /// contains `/` (then it takes the host from the undecoded authority).
    private static func hostReadsBack(_ text: String) -> Bool {
        text.contains("/") || !text.unicodeScalars.contains { ("A"..."Z").contains($0) }
    }

    /// The query of the URI form: the extra's entries as parameters, or `__extra__=` with its JSON text.
    private static func query(_ extra: TemplateMap) throws(TemplateFilter.Failure) -> String {
        var parameters: [String] = []
        for (key, value) in extra.entries {
            guard key != extraKey, case .string(let text, _, _) = value, !readsAsJSON(text) else {
                return extraKey + "=" + TemplateEncoding.formEncode(try TemplateFilter.json(.map(extra)))
            }
            parameters.append(TemplateEncoding.formEncode(key) + "=" + TemplateEncoding.formEncode(text))
        }
        return parameters.joined(separator: "&")
    }

    /// True when Python's `json.loads` might read the text as JSON (Airflow 3.x's core parser then replaces the
    /// parameter with what it read). Errs towards true: a false positive only chooses the `__extra__` form.
    static func readsAsJSON(_ text: String) -> Bool {
        let trimmed = text.drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = trimmed.unicodeScalars.first else { return false }
        if "{[\"-0123456789".unicodeScalars.contains(first) { return true }
        return ["true", "false", "null", "NaN", "Infinity"].contains { trimmed.hasPrefix($0) }
    }

    // MARK: - JSON form

    /// The JSON form (see the type's discussion).
    func json() throws(TemplateFilter.Failure) -> String {
        var map = TemplateMap()
        map.entries.append((key: "conn_type", value: .string(connType)))
        let texts: [(String, String?)] = [
            ("description", description), ("host", host), ("login", login), ("password", password),
            ("schema", schema),
        ]
        for case (let key, let text?) in texts { map.entries.append((key: key, value: .string(text))) }
        if let port { map.entries.append((key: "port", value: .integer(port))) }
        if let extra { map.entries.append((key: "extra", value: .map(extra))) }
        return try TemplateFilter.json(.map(map))
    }
}
