import Testing

@testable import CfgTemplate

struct TemplateEvaluatorTests {
    private typealias Support = TemplateTestSupport

    private let values = Support.map([
        ("port", .integer(5432)),
        ("ratio", .double(0.1)),
        ("debug", .bool(false)),
        ("host", .string("db.local")),
        ("empty", .null),
        ("hosts", .list([.string("a"), .string("b"), .string("c")])),
        ("labels", Support.map([("team", .string("data")), ("env", .string("prod"))])),
    ])

    private let secrets = Support.map([
        (
            "db",
            Support.map([
                ("password", .string("s3cr3t", secret: true, origin: SecretOrigin(secret: "db", key: "password"))),
                ("port", .integer(6543, secret: true)),
            ])
        ),
        ("token", .string("tok", secret: true, origin: SecretOrigin(secret: "token"))),
        ("missing", .unresolved(reason: "Vault returned 404 for secret/data/app/missing")),
    ])

    private func render(_ source: String, processEnvironment: [String: String] = [:]) throws -> RenderedText {
        try Support.render(source, ["values": values, "secrets": secrets], processEnvironment: processEnvironment)
    }

    private func diagnostics(_ source: String) -> [TemplateDiagnostic] {
        Support.diagnostics(source, ["values": values, "secrets": secrets])
    }

    @Test func scalarsPrintInTheirCanonicalForm() throws {
        let text = try render("{{ values.port }} {{ values.ratio }} {{ values.debug }} {{ values.host }} {{ 1.5e-7 }}")
            .text
        #expect(text == "5432 0.1 false db.local 1.5e-07")
    }

    @Test(arguments: ["{{ values.hosts }}", "{{ values.labels }}", "{{ values.empty }}"])
    func outputOfNullListOrMapIsATypeError(source: String) {
        let found = diagnostics(source)
        #expect(Support.summary(found) == ["typeError@1:4"])
        #expect(found.first?.message.contains("json or join") == true)
    }

    @Test func ifElifElseChoosesTheFirstTrueBranch() throws {
        let source = "{% if values.port > 6000 %}big{% elif values.port == 5432 %}default{% else %}other{% endif %}"
        #expect(try render(source).text == "default")
        #expect(try render("{% if values.debug %}d{% else %}n{% endif %}").text == "n")
        #expect(try render("{% if not values.debug and 'a' in values.hosts %}yes{% endif %}").text == "yes")
        #expect(try render("{% if values.debug or values.port >= 5432 %}yes{% endif %}").text == "yes")
    }

    @Test func forOverAListExposesLoopVariables() throws {
        let source =
            "{% for h in values.hosts %}{{ loop.index }}={{ h }}{% if loop.first %}(first){% endif %}"
            + "{% if not loop.last %},{% endif %}{% endfor %}"
        #expect(try render(source).text == "1=a(first),2=b,3=c")
    }

    @Test func forOverAMapKeepsDeclarationOrder() throws {
        #expect(try render("{% for k, v in values.labels %}{{ k }}:{{ v }};{% endfor %}").text == "team:data;env:prod;")
        #expect(try render("{% for k in values.labels %}{{ k }} {% endfor %}").text == "team env ")
    }

    @Test func loopVariableDoesNotLeakAfterTheLoop() {
        #expect(
            Support.summary(diagnostics("{% for h in values.hosts %}{% endfor %}{{ h }}")) == ["undefinedName@1:43"]
        )
    }

    @Test func operatorsCompareAndConcatenate() throws {
        #expect(try render("{{ values.host ~ ':' ~ values.port }}").text == "db.local:5432")
        #expect(
            try render("{{ 1 == 1.0 }} {{ 'a' != 'a' }} {{ 2 < 1 }} {{ 'ocal' in values.host }}").text
                == "true false false true"
        )
        #expect(try render("{{ 'team' in values.labels }} {{ 'x' not in values.hosts }}").text == "true true")
        #expect(try render("{{ values.hosts[1] }}{{ values.labels['env'] }}{{ [1, 2][0] }}").text == "bprod1")
    }

    @Test func defaultReplacesUndefinedMissingAndNull() throws {
        let source =
            "{{ nothing | default('a') }} {{ values.nope | default(1) }} {{ values.empty | default(true) }}"
            + " {{ values.port | default(1) }} {{ values.labels.x.y | default('deep') }} {{ values.hosts[9] | default('i') }}"
        #expect(try render(source).text == "a 1 true 5432 deep i")
    }

    @Test func defaultDoesNotHideTypeErrorsOrUnresolvedValues() {
        #expect(Support.summary(diagnostics("{{ values.port.x | default(1) }}")) == ["typeError@1:4"])
        #expect(Support.summary(diagnostics("{{ (1 < 'a') | default(1) }}")) == ["typeError@1:7"])
        #expect(Support.summary(diagnostics("{{ secrets.missing | default('x') }}")) == ["unresolved@1:4"])
    }

    @Test func envReadsTheEnvironmentAndMarksItSecret() throws {
        let rendered = try render(
            "{{ env('HOME') }} {{ env('NOPE') | default('none') }}",
            processEnvironment: ["HOME": "/root"]
        )
        #expect(rendered.text == "/root none")
        #expect(rendered.segments.first?.isSecret == true)
        #expect(Support.summary(diagnostics("\n {{ env('NOPE') }}")) == ["undefinedName@2:5"])
    }

    @Test(arguments: [
        ("{{ nothing }}", "undefinedName@1:4", "undefined name 'nothing'"),
        ("{{ value.host }}", "undefinedName@1:4", "undefined name 'value' (did you mean 'values'?)"),
        ("{% for host in values.hosts %}{{ hots }}{% endfor %}", "undefinedName@1:34", "(did you mean 'host'?)"),
        (
            "x\n  {{ secrets.db.pasword }}", "missingKey@2:6",
            "missing key 'secrets.db.pasword': 'secrets.db' has no key 'pasword'"
        ),
        ("{{ values.hosts[7] }}", "missingKey@1:4", "missing key 'values.hosts[7]'"),
        ("{{ secrets.missing }}", "unresolved@1:4", "Vault returned 404 for secret/data/app/missing"),
        ("{{ secrets | json }}", "unresolved@1:4", "Vault returned 404"),
        ("{{ values.port.x }}", "typeError@1:4", "cannot read key 'x' of 'values.port'"),
        ("{{ values.port[0] }}", "typeError@1:4", "cannot index 'values.port'"),
        ("{{ values.hosts['a'] }}", "typeError@1:17", "with a string"),
        ("{% for x in values.port %}{% endfor %}", "typeError@1:13", "cannot iterate"),
        ("{{ values.hosts ~ 'x' }}", "typeError@1:17", "cannot concatenate"),
        ("{{ values.host < 3 }}", "typeError@1:16", "expected numbers"),
        ("{{ 1 in 2 }}", "typeError@1:6", "cannot test"),
        ("{{ 'x' | base64decode }}", "invalidArgument@1:10", "not valid base64"),
        ("{{ env(1) }}", "invalidArgument@1:4", "env() expects"),
        ("{{ 'a' | replace(1, 'b') }}", "invalidArgument@1:10", "expects a string"),
    ])
    func evaluationErrorsHaveCodePositionAndMessage(source: String, expected: String, message: String) {
        let found = diagnostics(source)
        #expect(Support.summary(found) == [expected])
        #expect(found.first?.message.contains(message) == true, "\(found)")
    }

    @Test func allIndependentErrorsAreCollectedInOneRender() {
        let source = """
            a={{ first }}
            {% if second %}skipped {{ third }}{% endif %}
            c={{ values.port | base64decode }} d={{ fourth ~ fifth }}
            {% for x in values.hosts %}{{ x.y }}{{ sixth }}{% endfor %}
            """
        let found = diagnostics(source)
        #expect(
            Support.summary(found) == [
                "undefinedName@1:6", "undefinedName@2:7", "typeError@3:20", "undefinedName@3:41",
                "undefinedName@3:50", "typeError@4:31", "undefinedName@4:40",
            ]
        )
        let error = TemplateError(diagnostics: found)
        #expect(error.description.split(separator: "\n").count == 7)
    }

    @Test func threeUndefinedNamesOnThreeLinesGiveThreeDiagnostics() {
        let found = diagnostics("{{ a }}\n{{ b }}\n  {{ c }}")
        #expect(Support.summary(found) == ["undefinedName@1:4", "undefinedName@2:4", "undefinedName@3:6"])
    }

    @Test func segmentsSeparateLiteralsFromValuesWithPositions() throws {
        let rendered = try render("host={{ values.host }}\nport={{ values.port }}")
        #expect(rendered.segments.map(\.kind) == [.literal, .value, .literal, .value])
        #expect(rendered.segments.map(\.text) == ["host=", "db.local", "\nport=", "5432"])
        #expect(rendered.segments.map { "\($0.position.line):\($0.position.column)" } == ["1:1", "1:6", "1:23", "2:6"])
    }

    @Test func unmodifiedSecretKeepsItsOrigin() throws {
        let rendered = try render("{{ secrets.db.password }}")
        let segment = try #require(rendered.segments.first)
        #expect(segment.isSecret && segment.text == "s3cr3t")
        #expect(segment.origin == SecretOrigin(secret: "db", key: "password"))
        #expect(rendered.soleOrigin == SecretOrigin(secret: "db", key: "password"))
        #expect(try render("{{ secrets['token'] }}").soleOrigin == SecretOrigin(secret: "token"))
    }

    @Test(arguments: [
        "{{ secrets.db.password | upper }}",
        "{{ secrets.db.password | default('x') }}",
        "{{ secrets.db.password ~ '' }}",
        "{{ '' ~ secrets.db.password }}",
        "{{ secrets.db.password | urlencode }}",
        "{{ secrets.db.port | string }}",
        "{{ secrets.db.port }}",
        "{{ secrets.db.password == 'x' }}",
        "{{ secrets.db.password | length }}",
        "{{ [secrets.db.password] | json }}",
        "{{ {'p': secrets.db.password} | json }}",
        "{{ {'conn_type': 'x', 'password': secrets.db.password} | airflow_conn_uri }}",
        "{{ {'conn_type': 'x', 'port': secrets.db.port} | airflow_conn_json }}",
        "{{ 'x' | replace('x', secrets.token) }}",
    ])
    func filtersAndOperatorsKeepTheSecretMarkButDropTheOrigin(source: String) throws {
        let segment = try #require(try render(source).segments.first)
        #expect(segment.isSecret)
        #expect(segment.origin == nil)
    }

    @Test func aMapLiteralKeepsEachValuesOwnSecretMarkAndOrigin() throws {
        let rendered = try render(
            "{{ {'p': secrets.db.password, \"h\": values.host}.p }} {{ {'p': secrets.db.password, 'h': values.host}.h }}"
        )
        #expect(rendered.segments.map(\.text) == ["s3cr3t", " ", "db.local"])
        #expect(rendered.segments.map(\.isSecret) == [true, false, false])
        #expect(rendered.segments.first?.origin == SecretOrigin(secret: "db", key: "password"))
        #expect(
            try render("{{ {'b': 1, 'a': [values.host], 'c': {}} | json }}").text == #"{"b":1,"a":["db.local"],"c":{}}"#
        )
    }

    @Test func aMapLiteralReportsEachFailedValueOnce() {
        #expect(
            Support.summary(diagnostics("{{ {'a': values.nope, 'b': secrets.missing, 'c': 1 < 'x'} | json }}")).sorted()
                == ["missingKey@1:10", "typeError@1:52", "unresolved@1:28"]
        )
    }

    @Test func plainValuesAreNotSecret() throws {
        let rendered = try render("a {{ values.host | upper }} {{ values.port ~ 'x' }}")
        #expect(!rendered.containsSecret)
        #expect(rendered.segments.allSatisfy { $0.origin == nil })
    }

    @Test func errorInsideALoopIsReportedOnce() {
        #expect(
            Support.summary(diagnostics("{% for x in values.hosts %}{{ y }}{% endfor %}")) == ["undefinedName@1:31"]
        )
    }

    @Test func documentedListExampleRendersWithoutBlankLines() throws {
        let source = "hosts:\n{% for h in values.hosts %}\n  - {{ h }}\n{% endfor %}\n"
        #expect(try render(source).text == "hosts:\n  - a\n  - b\n  - c\n")
        #expect(try Support.render("a  {{- x -}}  b", ["x": .string("X")]).text == "aXb")
    }
}
