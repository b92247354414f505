/// The login and password of a URI as the program that reads it splits and decodes them.
///
/// Each consumer has its own rules, read from its code:
/// - ``Reader/sqlAlchemy``: SQLAlchemy's `make_url` (`sqlalchemy/engine/url.py` `_parse_url`): after `NAME://`
///   (`NAME` made of word characters and `+`), the username is `[^:/]*`, the password `[^@]*` after a `:`, and the
///   pair ends at an `@`, as Python's regular expression backtracks; both are `urllib.parse.unquote`d.
/// - ``Reader/urlSplit``: kombu's `url_to_parts` and Airflow's `Connection` (`urllib.parse.urlsplit`): the
///   authority ends at the first `/`, `?` or `#` after `//`; the userinfo is what precedes its last `@`
///   (`rpartition`), split at its first `:` (`partition`); both are `unquote`d.
/// - ``Reader/urlSplitRaw``: the Sentry SDK's `Dsn` (`urlsplit` as above, the keys taken without `unquote`).
///
/// Ranges count Unicode scalars from the start of the value, so that a caller can tell which template segments
/// they cover. Decoded texts may hold secret bytes: callers compare them and drop them.
package enum URICredentials {
    /// Whose rules split the value.
    package enum Reader: Sendable, Hashable {
        case sqlAlchemy
        case urlSplit
        case urlSplitRaw
        /// kombu's broker URL: `;` separates failover URLs, each read as ``urlSplit``.
        case kombu
        /// Airflow's `Connection`: ``urlSplit``, where a URI with two `://` has its host's own scheme
        /// (`http://…`) after the connection type's, and the userinfo is read from that one.
        case airflowConnection
    }

    /// The reader of an Airflow option whose value is a URI with credentials, nil for other options.
    package static func reader(for key: AirflowOptionKey, value: String) -> Reader? {
        switch (key.section, key.option) {
        case ("database", "sql_alchemy_conn"), ("database", "sql_alchemy_conn_async"), ("core", "sql_alchemy_conn"):
            return .sqlAlchemy
        case ("celery", "broker_url"): return .kombu
        // `db+URL` goes to SQLAlchemy (Celery's database backend); any other to kombu's parser.
        case ("celery", "result_backend"): return value.hasPrefix("db+") ? .sqlAlchemy : .urlSplit
        case ("sentry", "sentry_dsn"): return .urlSplitRaw
        default: return nil
        }
    }

    /// The reader of an `[env]` variable: Airflow's `Connection` for an `AIRFLOW_CONN_*` in URI form (not JSON).
    package static func reader(forVariable name: String, value: String) -> Reader? {
        guard name.hasPrefix("AIRFLOW_CONN_"), !value.hasPrefix("{"), value.contains("://") else { return nil }
        return .airflowConnection
    }

    /// Which part of the userinfo.
    package enum Part: String, Sendable, Hashable {
        case login
        case password
    }

    /// One part of the userinfo: where it is in the value and the text the consumer reads.
    package struct Component: Sendable, Hashable {
        package var part: Part
        /// Scalar offsets in the value, end exclusive.
        package var range: Range<Int>
        package var decoded: String
    }

    /// The login and password the reader finds in `value` (each only when present), or none when the value has
    /// no userinfo.
    package static func components(of value: String, reader: Reader) -> [Component] {
        let scalars = Array(value.unicodeScalars)
        var spans: [(Part, Range<Int>)] = []
        switch reader {
        case .sqlAlchemy: spans = sqlAlchemySpans(scalars)
        case .urlSplit, .urlSplitRaw: spans = urlSplitSpans(scalars)
        case .kombu:
            var start = 0
            for piece in scalars.split(separator: ";", omittingEmptySubsequences: false) {
                spans += urlSplitSpans(Array(piece)).map {
                    ($0.0, ($0.1.lowerBound + start)..<($0.1.upperBound + start))
                }
                start += piece.count + 1
            }
        case .airflowConnection:
            guard let first = firstSeparator(scalars), firstSeparator(Array(scalars[(first + 3)...])) != nil else {
                spans = urlSplitSpans(scalars)
                break
            }
            let offset = first + 3
            spans = urlSplitSpans(Array(scalars[offset...])).map {
                ($0.0, ($0.1.lowerBound + offset)..<($0.1.upperBound + offset))
            }
        }
        // Each part taken from the value's own text (a copy of its UTF-8), not rebuilt scalar by scalar.
        let view = value.unicodeScalars
        return spans.map { part, range in
            let lower = view.index(view.startIndex, offsetBy: range.lowerBound)
            let raw = String(Substring(view[lower..<view.index(lower, offsetBy: range.count)]))
            return Component(part: part, range: range, decoded: reader == .urlSplitRaw ? raw : unquote(raw))
        }
    }

    /// `(?P<name>[\w\+]+)://(?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?` at the start of the value.
    private static func sqlAlchemySpans(_ scalars: [Unicode.Scalar]) -> [(Part, Range<Int>)] {
        var index = 0
        while index < scalars.count, isWord(scalars[index]) || scalars[index] == "+" { index += 1 }
        guard index > 0, index + 2 < scalars.count, scalars[index] == ":", scalars[index + 1] == "/",
            scalars[index + 2] == "/"
        else { return [] }
        let start = index + 3
        // The username runs greedily to the first ':' or '/'.
        var end = start
        while end < scalars.count, scalars[end] != ":", scalars[end] != "/" { end += 1 }
        if end < scalars.count, scalars[end] == ":",
            let at = scalars[(end + 1)...].firstIndex(of: "@")
        {
            return [(.login, start..<end), (.password, (end + 1)..<at)]
        }
        // Backtracking: the longest username (still free of ':' and '/') followed by '@', without a password.
        if let at = scalars[start..<end].lastIndex(of: "@") {
            return [(.login, start..<at)]
        }
        return []
    }

    /// `urlsplit`'s netloc (after a scheme and `//`), then `rpartition('@')` and `partition(':')`.
    private static func urlSplitSpans(_ scalars: [Unicode.Scalar]) -> [(Part, Range<Int>)] {
        guard let colon = scalars.firstIndex(of: ":"), colon > 0,
            scalars[..<colon].allSatisfy(isSchemeScalar), scalars[0].isASCII, isLetter(scalars[0]),
            colon + 2 < scalars.count, scalars[colon + 1] == "/", scalars[colon + 2] == "/"
        else { return [] }
        let start = colon + 3
        var end = start
        while end < scalars.count, scalars[end] != "/", scalars[end] != "?", scalars[end] != "#" { end += 1 }
        guard let at = scalars[start..<end].lastIndex(of: "@") else { return [] }
        if let separator = scalars[start..<at].firstIndex(of: ":") {
            return [(.login, start..<separator), (.password, (separator + 1)..<at)]
        }
        return [(.login, start..<at)]
    }

    /// The offset of the first `://`.
    private static func firstSeparator(_ scalars: [Unicode.Scalar]) -> Int? {
        var index = 0
        while index + 2 < scalars.count {
            if scalars[index] == ":", scalars[index + 1] == "/", scalars[index + 2] == "/" { return index }
            index += 1
        }
        return nil
    }

    /// `urllib.parse.unquote`: each `%XX` becomes its byte, the bytes are read as UTF-8 (an invalid sequence as
    /// U+FFFD); a `%` not followed by two hexadecimal digits stays as written.
    package static func unquote(_ text: String) -> String {
        guard text.contains("%") else { return text }
        let bytes = Array(text.utf8)
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                decoded.append(high << 4 | low)
                index += 3
            } else {
                decoded.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Python's `\w` on a `str`: letters, digits (any script) and `_`.
    private static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType == .decimal
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    /// `urllib.parse.scheme_chars`.
    private static func isSchemeScalar(_ scalar: Unicode.Scalar) -> Bool {
        isLetter(scalar) || ("0"..."9").contains(scalar) || scalar == "+" || scalar == "-" || scalar == "."
    }
}
