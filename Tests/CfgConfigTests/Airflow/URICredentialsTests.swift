import Foundation
import Testing

@testable import CfgConfig

@Suite struct URICredentialsTests {
    struct Case: Decodable, CustomTestStringConvertible {
        var reader: String
        var uri: String
        var login: String?
        var password: String?
        var testDescription: String { "\(reader) \(uri)" }
    }

    struct Table: Decodable {
        var cases: [Case]
    }

    /// The table SQLAlchemy, kombu and Airflow's Connection confirm (IntegrationTests/test_uri_credentials.py).
    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("uri-credentials-cases.json")
        guard let data = try? Data(contentsOf: url), let table = try? JSONDecoder().decode(Table.self, from: data)
        else { return [] }
        return table.cases
    }()

    static let readers: [String: URICredentials.Reader] = [
        "sqlalchemy": .sqlAlchemy, "kombu": .kombu, "connection": .airflowConnection,
    ]

    @Test func theTableIsRead() {
        #expect(Self.cases.count >= 15)
    }

    /// cfg reads the login and password the consumer reads (an empty one as absent, as the consumers' `or None`).
    @Test(arguments: cases)
    func readsWhatTheConsumerReads(_ testCase: Case) throws {
        let reader = try #require(Self.readers[testCase.reader])
        let components = URICredentials.components(of: testCase.uri, reader: reader)
        let login = components.first { $0.part == .login }?.decoded
        let password = components.first { $0.part == .password }?.decoded
        #expect(login.flatMap { $0.isEmpty ? nil : $0 } == testCase.login)
        #expect(password.flatMap { $0.isEmpty ? nil : $0 } == testCase.password)
    }

    @Test func rangesPointAtTheRawTextInTheValue() {
        let value = "redis://:a%2F@h1/0;redis://us:b@h2/0"
        let components = URICredentials.components(of: value, reader: .kombu)
        let scalars = Array(value.unicodeScalars)
        let raw = components.map { String(String.UnicodeScalarView(scalars[$0.range])) }
        #expect(raw == ["", "a%2F", "us", "b"])
        #expect(components.map(\.decoded) == ["", "a/", "us", "b"])
        #expect(components.map(\.part) == [.login, .password, .login, .password])
    }

    /// Parts are cut at scalars, not characters: a combining mark right after `//` or before `:` stays in its part.
    @Test func partsAreCutAtScalarsNotCharacters() {
        let components = URICredentials.components(of: "postgresql://\u{301}:p\u{301}:w@h/db", reader: .sqlAlchemy)
        #expect(components.map { Array($0.decoded.unicodeScalars) } == [["\u{301}"], ["p", "\u{301}", ":", "w"]])
        #expect(components.map(\.range) == [13..<14, 15..<19])
    }

    @Test func theSentryReaderDoesNotDecode() {
        let components = URICredentials.components(of: "https://pub%40:sec@o1.ingest.sentry.io/1", reader: .urlSplitRaw)
        #expect(components.map(\.decoded) == ["pub%40", "sec"])
    }

    @Test(arguments: [
        (AirflowOptionKey(section: "database", option: "sql_alchemy_conn"), "x", URICredentials.Reader.sqlAlchemy),
        (AirflowOptionKey(section: "database", option: "sql_alchemy_conn_async"), "x", .sqlAlchemy),
        (AirflowOptionKey(section: "celery", option: "broker_url"), "x", .kombu),
        (AirflowOptionKey(section: "celery", option: "result_backend"), "db+postgresql://", .sqlAlchemy),
        (AirflowOptionKey(section: "celery", option: "result_backend"), "redis://", .urlSplit),
        (AirflowOptionKey(section: "sentry", option: "sentry_dsn"), "x", .urlSplitRaw),
    ])
    func eachURIOptionHasItsReader(_ key: AirflowOptionKey, _ value: String, _ reader: URICredentials.Reader) {
        #expect(URICredentials.reader(for: key, value: value) == reader)
    }

    @Test func otherOptionsAndJSONConnectionsAreNotRead() {
        #expect(URICredentials.reader(for: AirflowOptionKey(section: "core", option: "executor"), value: "a://") == nil)
        #expect(URICredentials.reader(forVariable: "AIRFLOW_CONN_X", value: "{\"conn_type\": \"a://\"}") == nil)
        #expect(URICredentials.reader(forVariable: "OTHER", value: "smtp://u:p@h") == nil)
        #expect(URICredentials.reader(forVariable: "AIRFLOW_CONN_X", value: "smtp://u:p@h") == .airflowConnection)
    }

    @Test(arguments: [("%41%e9", "A\u{FFFD}"), ("%", "%"), ("%4", "%4"), ("%zz", "%zz"), ("caf%C3%A9", "café")])
    func unquoteDecodesAsPython(_ text: String, _ decoded: String) {
        #expect(URICredentials.unquote(text) == decoded)
    }
}
