import Foundation
import Testing

@testable import CfgTemplate

/// The `airflow_conn_uri` and `airflow_conn_json` filters. Airflow itself reads their output back in
/// IntegrationTests/test_airflow_connections.py; these tests pin the structure of Airflow's URI form and decode each
/// part as Python's `urlsplit` and `unquote` would.
struct AirflowConnectionTests {
    private typealias Support = TemplateTestSupport

    /// Values that break naive URI and JSON building.
    static let hostile = [
        #"@:/?#%+ '"$~\"#, "p@ss:w/o%rd#1?&+'\"=$HOME ${PATH} back\\slash %41 caf\u{E9} ",
        "\u{2603} \u{1F600} \u{4E2D}\u{6587}", "", "%2F", "a+b c", "line\nbreak\ttab", "__extra__=x&y=z", "://", ":",
        "@",
    ]

    private func filter(_ form: String, _ fields: [(String, TemplateValue)]) throws -> TemplateValue {
        let rendered = try Support.render("{{ c | \(form) }}", ["c": Support.map(fields)])
        let segment = try #require(rendered.segments.first)
        return .string(segment.text, secret: segment.isSecret)
    }

    private func uri(_ fields: [(String, TemplateValue)]) throws -> String {
        try #require(try filter("airflow_conn_uri", fields).scalarText)
    }

    private func json(_ fields: [(String, TemplateValue)]) throws -> [String: Any] {
        let text = try #require(try filter("airflow_conn_json", fields).scalarText)
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// The code of the one diagnostic a render of the filter on these fields gives, and its message.
    private func failure(_ form: String, _ fields: [(String, TemplateValue)]) -> (String, String)? {
        let diagnostics = Support.diagnostics("{{ c | \(form) }}", ["c": Support.map(fields)])
        guard diagnostics.count == 1, let only = diagnostics.first else { return nil }
        return (only.code.rawValue, only.message)
    }

    /// Python's `unquote`, which Airflow applies to each part.
    private func decoded(_ part: Substring) throws -> String {
        try #require(String(part).removingPercentEncoding)
    }

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%")

    // MARK: - URI form

    @Test(arguments: hostile)
    func everyHostilePartIsPercentEncodedAndDecodesBack(value: String) throws {
        let text = try uri([
            ("conn_type", .string("smtp")), ("login", .string(value)), ("password", .string(value)),
            ("host", .string("smtp.example.com")), ("port", .integer(587)), ("schema", .string(value)),
        ])
        let rest = try #require(text.split(separator: "://", maxSplits: 1).last)
        #expect(text.hasPrefix("smtp://"))
        let at = try #require(rest.firstIndex(of: "@"))
        let credentials = rest[..<at].split(separator: ":", omittingEmptySubsequences: false)
        #expect(credentials.count == 2)
        #expect(try decoded(credentials[0]) == value)
        #expect(try decoded(credentials[1]) == value)
        let hostAndSchema = rest[rest.index(after: at)...]
        let expectedSchema = value.isEmpty ? "" : "/" + (try decoded(hostAndSchema.drop { $0 != "/" }.dropFirst()))
        #expect(hostAndSchema.hasPrefix("smtp.example.com:587"))
        #expect(value.isEmpty ? hostAndSchema == "smtp.example.com:587" : expectedSchema == "/" + value)
        // Nothing but unreserved characters and escapes inside each part: no separator can leak.
        #expect(credentials.allSatisfy { $0.allSatisfy(Self.unreserved.contains) })
    }

    @Test func aPortAloneIsWrittenAfterAnEmptyAuthority() throws {
        #expect(try uri([("conn_type", .string("postgres")), ("port", .string("5432"))]) == "postgres://@:5432")
        #expect(
            try uri([("conn_type", .string("postgres")), ("login", .string("u")), ("port", .integer(5432))])
                == "postgres://u@:5432"
        )
    }

    @Test func extraWithoutSchemaFollowsASlashAndStringsBecomeParameters() throws {
        let extra = Support.map([("region name", .string("eu west+1")), ("role", .string("a&b=c"))])
        #expect(
            try uri([("conn_type", .string("aws")), ("extra", extra)])
                == "aws:///?region+name=eu+west%2B1&role=a%26b%3Dc"
        )
        #expect(
            try uri([("conn_type", .string("aws")), ("schema", .string("s")), ("extra", extra)])
                == "aws:///s?region+name=eu+west%2B1&role=a%26b%3Dc"
        )
    }

    @Test(arguments: [
        ("nested", Support.map([("keyfile_dict", Support.map([("private_key", .string("-----BEGIN\n@:/?#%+"))]))])),
        ("number", Support.map([("timeout", .integer(30))])),
        ("string read as JSON by Airflow 3", Support.map([("timeout", .string("30"))])),
        ("boolean text", Support.map([("verify", .string("true"))])),
        ("the extra key itself", Support.map([("__extra__", .string("x"))])),
        ("null", Support.map([("a", .null), ("b", .string("c"))])),
        ("list", Support.map([("hosts", .list([.string("a"), .double(1.5)]))])),
    ])
    func extraThatParametersWouldNotCarryIsJSONUnderTheExtraKey(name: String, extra: TemplateValue) throws {
        let text = try uri([("conn_type", .string("google_cloud_platform")), ("extra", extra)])
        let prefix = "google-cloud-platform:///?__extra__="
        #expect(text.hasPrefix(prefix), "\(name)")
        // Python's parse_qsl: `+` is a space, then percent-decoding.
        let query = try decoded(text.dropFirst(prefix.count).replacing("+", with: " ")[...])
        let expected = try #require(extra.jsonText)
        #expect(query == expected)
    }

    @Test func aHostWithAProtocolKeepsItUnlessAirflowWouldNotReadItBack() throws {
        func host(_ type: String, _ host: String) throws -> String {
            try uri([("conn_type", .string(type)), ("host", .string(host)), ("login", .string("u"))])
        }
        #expect(try host("http", "https://api.example.com") == "http://https://u@api.example.com")
        #expect(try host("http", "https://api.example.com/v1") == "http://https://u@api.example.com%2Fv1")
        // The protocol is the type: Airflow 2.10's parser would cut both out; Airflow 3 encodes the whole host.
        #expect(try host("http", "http://h") == "http://u@http%3A%2F%2Fh")
        // Upper case in the protocol or a host after it would come back in lower case; nothing after `://`.
        #expect(try host("http", "HTTPS://h") == "http://u@HTTPS%3A%2F%2Fh")
        #expect(try host("http", "https://Api.example.com") == "http://u@https%3A%2F%2FApi.example.com")
        #expect(try host("http", "https://") == "http://u@https%3A%2F%2F")
        #expect(try host("http", "a@b://h") == "http://u@a%40b%3A%2F%2Fh")
    }

    @Test func theTypeIsWrittenWithDashesForUnderscores() throws {
        #expect(try uri([("conn_type", .string("google_cloud_platform"))]) == "google-cloud-platform://")
    }

    @Test func emptyAndNullFieldsAreLeftOutAsAirflowLeavesThemOut() throws {
        #expect(
            try uri([
                ("conn_type", .string("ftp")), ("login", .string("")), ("host", .string("")), ("schema", .string("")),
                ("port", .null), ("extra", Support.map([])), ("password", .null),
            ]) == "ftp://"
        )
        #expect(try uri([("conn_type", .string("ftp")), ("password", .string(""))]) == "ftp://:@")
    }

    // MARK: - JSON form

    @Test(arguments: hostile)
    func theJSONFormCarriesEveryFieldExactly(value: String) throws {
        let extra = Support.map([("nested", Support.map([("v", .string(value)), ("n", .integer(1))]))])
        let object = try json([
            ("conn_type", .string("smtp")), ("description", .string(value)), ("host", .string("Smtp." + value)),
            ("login", .string(value)), ("password", .string(value)), ("schema", .string(value)),
            ("port", .string("587")), ("extra", extra),
        ])
        for key in ["description", "login", "password", "schema"] { #expect(object[key] as? String == value, "\(key)") }
        #expect(object["host"] as? String == "Smtp." + value)
        #expect(object["conn_type"] as? String == "smtp")
        #expect(object["port"] as? Int == 587)
        let nested = try #require((object["extra"] as? [String: Any])?["nested"] as? [String: Any])
        #expect(nested["v"] as? String == value && nested["n"] as? Int == 1)
    }

    @Test func theJSONFormWritesAirflowsFieldOrderAndLeavesOutAbsentFields() throws {
        let text = try #require(
            try filter(
                "airflow_conn_json",
                [("port", .integer(1)), ("login", .null), ("host", .string("h")), ("conn_type", .string("ssh"))]
            ).scalarText
        )
        #expect(text == #"{"conn_type":"ssh","host":"h","port":1}"#)
    }

    // MARK: - Errors and secrets

    @Test(arguments: [
        (
            "airflow_conn_uri", [("conn_type", TemplateValue.string("x")), ("logn", .string("h"))],
            "did you mean 'login'?"
        ),
        ("airflow_conn_json", [("conn_type", .string("x")), ("passwd", .string("p"))], "did you mean 'password'?"),
        ("airflow_conn_json", [("host", .string("h"))], "'conn_type' is required"),
        ("airflow_conn_uri", [("conn_type", .string("Postgres"))], "not a connection type"),
        ("airflow_conn_uri", [("conn_type", .string("my type"))], "not a connection type"),
        ("airflow_conn_uri", [("conn_type", .string("x")), ("description", .string("d"))], "use airflow_conn_json"),
        ("airflow_conn_uri", [("conn_type", .string("x")), ("host", .string("Db.Example"))], "lower case"),
        ("airflow_conn_uri", [("conn_type", .string("x")), ("port", .integer(0))], "from 1 to 65535"),
        ("airflow_conn_json", [("conn_type", .string("x")), ("port", .integer(65536))], "from 1 to 65535"),
        ("airflow_conn_json", [("conn_type", .string("x")), ("port", .string("54 32"))], "written in digits"),
        ("airflow_conn_json", [("conn_type", .string("x")), ("port", .double(5432))], "integer"),
        ("airflow_conn_json", [("conn_type", .string("x")), ("extra", .string("{}"))], "expects a map"),
        ("airflow_conn_uri", [("conn_type", .string("x")), ("login", .list([]))], "expects a string"),
    ])
    func mistakesAreOneErrorThatNamesTheField(form: String, fields: [(String, TemplateValue)], words: String) {
        let found = failure(form, fields)
        #expect(found?.0 == "invalidArgument" || found?.0 == "typeError")
        #expect(found?.1.contains(words) == true, "\(String(describing: found))")
    }

    @Test func aValueThatIsNotAMapIsATypeError() {
        #expect(Support.summary(Support.diagnostics("{{ 'x' | airflow_conn_uri }}")) == ["typeError@1:10"])
    }

    @Test func theResultIsSecretWhenAnyFieldIsAndOnlyThen() throws {
        #expect(try filter("airflow_conn_uri", [("conn_type", .string("x"))]).isSecret == false)
        #expect(try filter("airflow_conn_json", [("conn_type", .string("x"))]).isSecret == false)
        let secretPort: [(String, TemplateValue)] = [("conn_type", .string("x")), ("port", .integer(5, secret: true))]
        #expect(try filter("airflow_conn_uri", secretPort).isSecret)
        let secretExtra = Support.map([("k", .string("v", secret: true))])
        #expect(try filter("airflow_conn_json", [("conn_type", .string("x")), ("extra", secretExtra)]).isSecret)
    }

    @Test func errorsNeverContainAValue() {
        let canary = "CANARY-s3cr3t-Q9"
        let cases: [[(String, TemplateValue)]] = [
            [("conn_type", .string(canary, secret: true))],
            [("conn_type", .string("x")), ("host", .string("H" + canary, secret: true))],
            [("conn_type", .string("x")), ("port", .string(canary, secret: true))],
            [("conn_type", .string("x")), ("description", .string(canary, secret: true))],
            [("conn_type", .string("x")), ("\n" + canary, .string("v", secret: true))],
        ]
        for fields in cases {
            let diagnostics = Support.diagnostics("{{ c | airflow_conn_uri }}", ["c": Support.map(fields)])
            #expect(diagnostics.count == 1)
            #expect(diagnostics.allSatisfy { !$0.description.contains(canary) })
        }
    }
}
