/// A filter applied with `expression | name` or `expression | name(arguments…)`.
enum TemplateFilter: String, Sendable, CaseIterable {
    case urlencode
    case base64
    case base64decode
    case base64url
    case base64urldecode
    case json
    case shellquote
    case upper
    case lower
    case trim
    case `default`
    case join
    case replace
    case string
    case length
    /// An Airflow connection's URI form (``AirflowConnection``).
    case airflowConnURI = "airflow_conn_uri"
    /// An Airflow connection's JSON form (``AirflowConnection``).
    case airflowConnJSON = "airflow_conn_json"

    /// Why a filter could not be applied; the message never contains a value.
    struct Failure: Error {
        var code: TemplateDiagnostic.Code
        var message: String
    }

    /// How many arguments the filter takes.
    var arity: ClosedRange<Int> {
        switch self {
        case .default, .join: return 1...1
        case .replace: return 2...2
        default: return 0...0
        }
    }

    /// Applies the filter to a value. `default` is handled by the evaluator, which alone knows
    /// whether the input was missing.
    ///
    /// The result carries no origin; the caller marks it secret when any input was.
    ///
    /// - Throws: `tooLarge` when the result would be longer than ``TemplateLimits/maximumOutputBytes``:
    ///   checked before building it for the filters whose result can be any multiple of their input
    ///   (`replace`, `join`, `json`), after it for the others (at most a few times their input).
    func apply(to input: TemplateValue, arguments: [TemplateValue]) throws(Failure) -> TemplateValue {
        let result = try unboundedApply(to: input, arguments: arguments)
        if case .string(let text, _, _) = result, text.utf8.count > TemplateLimits.maximumOutputBytes {
            throw Self.tooLarge
        }
        return result
    }

    /// The failure of a result that would pass ``TemplateLimits/maximumOutputBytes``.
    static let tooLarge = Failure(
        code: .tooLarge,
        message: "the result would be larger than \(TemplateLimits.size(TemplateLimits.maximumOutputBytes))"
    )

    private func unboundedApply(to input: TemplateValue, arguments: [TemplateValue]) throws(Failure) -> TemplateValue {
        switch self {
        case .urlencode:
            return .string(TemplateEncoding.percentEncode(try scalarText(input)))
        case .base64:
            return .string(TemplateEncoding.base64Encode(try scalarText(input), urlSafe: false))
        case .base64url:
            return .string(TemplateEncoding.base64Encode(try scalarText(input), urlSafe: true))
        case .base64decode:
            return .string(try decode(input, urlSafe: false))
        case .base64urldecode:
            return .string(try decode(input, urlSafe: true))
        case .json:
            return .string(try Self.json(input))
        case .shellquote:
            return .string(TemplateEncoding.shellQuote(try scalarText(input)))
        case .upper:
            return .string(try scalarText(input).uppercased())
        case .lower:
            return .string(try scalarText(input).lowercased())
        case .trim:
            return .string(Self.trimmed(try scalarText(input)))
        case .default:
            return input.droppingOrigin
        case .join:
            return .string(try join(input, separator: try stringArgument(arguments, 0, "separator")))
        case .replace:
            let old = try stringArgument(arguments, 0, "old text")
            let new = try stringArgument(arguments, 1, "new text")
            return .string(try Self.replacing(old, with: new, in: try scalarText(input)))
        case .string:
            return .string(try scalarText(input))
        case .length:
            switch input {
            case .string(let text, _, _): return .integer(text.count)
            case .list(let items): return .integer(items.count)
            case .map(let map): return .integer(map.entries.count)
            default: throw Failure(code: .typeError, message: "expects a string, list or map, got \(input.kindName)")
            }
        case .airflowConnURI:
            return .string(try AirflowConnection(input, form: .uri).uri())
        case .airflowConnJSON:
            return .string(try AirflowConnection(input, form: .json).json())
        }
    }

    private func scalarText(_ input: TemplateValue) throws(Failure) -> String {
        guard let text = input.scalarText else {
            throw Failure(code: .typeError, message: "expects a string, number or boolean, got \(input.kindName)")
        }
        return text
    }

    private func stringArgument(_ arguments: [TemplateValue], _ index: Int, _ role: String) throws(Failure) -> String {
        guard index < arguments.count, case .string(let text, _, _) = arguments[index] else {
            let kind = index < arguments.count ? arguments[index].kindName : "nothing"
            throw Failure(code: .invalidArgument, message: "expects a string as \(role), got \(kind)")
        }
        return text
    }

    private func decode(_ input: TemplateValue, urlSafe: Bool) throws(Failure) -> String {
        guard case .string(let text, _, _) = input else {
            throw Failure(code: .typeError, message: "expects a string, got \(input.kindName)")
        }
        let alphabet = urlSafe ? "URL-safe base64" : "base64"
        guard let bytes = TemplateEncoding.base64Decode(text, urlSafe: urlSafe, paddingOptional: urlSafe) else {
            throw Failure(code: .invalidArgument, message: "input is not valid \(alphabet)")
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw Failure(code: .invalidArgument, message: "decoded bytes are not valid UTF-8 text")
        }
        return decoded
    }

    private func join(_ input: TemplateValue, separator: String) throws(Failure) -> String {
        guard case .list(let items) = input else {
            throw Failure(code: .typeError, message: "expects a list, got \(input.kindName)")
        }
        var parts: [String] = []
        var length = 0
        for item in items {
            guard let text = item.scalarText else {
                throw Failure(code: .typeError, message: "expects a list of scalars, found \(item.kindName)")
            }
            length += text.utf8.count + (parts.isEmpty ? 0 : separator.utf8.count)
            guard length <= TemplateLimits.maximumOutputBytes else { throw Self.tooLarge }
            parts.append(text)
        }
        return parts.joined(separator: separator)
    }

    /// `text` with every occurrence of `old` (compared as characters, as `String` does) replaced by
    /// `new`, built piece by piece so that it never grows past ``TemplateLimits/maximumOutputBytes``.
    private static func replacing(_ old: String, with new: String, in text: String) throws(Failure) -> String {
        guard !old.isEmpty else { return text }
        var result = ""
        var rest = Substring(text)
        while let found = rest.firstRange(of: old) {
            let kept = rest[..<found.lowerBound]
            guard result.utf8.count + kept.utf8.count + new.utf8.count <= TemplateLimits.maximumOutputBytes else {
                throw tooLarge
            }
            result += kept
            result += new
            rest = rest[found.upperBound...]
        }
        guard result.utf8.count + rest.utf8.count <= TemplateLimits.maximumOutputBytes else { throw tooLarge }
        result += rest
        return result
    }

    private static func trimmed(_ text: String) -> String {
        var scalars = Substring(text).unicodeScalars
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }

    /// The JSON text of a value: maps keep their key order; non-finite numbers are rejected.
    ///
    /// - Throws: `tooLarge` as soon as the text passes ``TemplateLimits/maximumOutputBytes``.
    static func json(_ value: TemplateValue) throws(Failure) -> String {
        var text = ""
        try appendJSON(value, to: &text)
        return text
    }

    private static func appendJSON(_ value: TemplateValue, to text: inout String) throws(Failure) {
        switch value {
        case .string(let string, _, _):
            text += TemplateEncoding.jsonString(string)
        case .integer(let number, _):
            text += String(number)
        case .double(let number, _):
            guard number.isFinite else {
                throw Failure(code: .typeError, message: "cannot encode a non-finite number as JSON")
            }
            text += String(number)
        case .bool(let flag, _):
            text += flag ? "true" : "false"
        case .null:
            text += "null"
        case .list(let items):
            text += "["
            for (index, item) in items.enumerated() {
                if index > 0 { text += "," }
                try appendJSON(item, to: &text)
            }
            text += "]"
        case .map(let map):
            text += "{"
            for (index, entry) in map.entries.enumerated() {
                if index > 0 { text += "," }
                text += TemplateEncoding.jsonString(entry.key) + ":"
                try appendJSON(entry.value, to: &text)
            }
            text += "}"
        case .unresolved:
            throw Failure(code: .unresolved, message: "cannot encode an unresolved value")
        }
        guard text.utf8.count <= TemplateLimits.maximumOutputBytes else { throw tooLarge }
    }
}
