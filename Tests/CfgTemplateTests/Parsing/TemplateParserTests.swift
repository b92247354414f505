import Testing

@testable import CfgTemplate

struct TemplateParserTests {
    private func nodes(_ source: String) throws -> [TemplateNode] {
        try Template.parse(source, file: "t").nodes
    }

    private func outputExpression(_ source: String) throws -> TemplateExpression {
        let parsed = try nodes(source)
        guard case .output(let expression, _) = try #require(parsed.last) else {
            throw TemplateError(diagnostics: [])
        }
        return expression
    }

    private func at(_ expression: TemplateExpression) -> String {
        "\(expression.position.line):\(expression.position.column)"
    }

    @Test func outputNodeHasThePositionOfItsBraces() throws {
        let parsed = try nodes("one\n  {{ a }}")
        guard case .output(let expression, let position) = try #require(parsed.last) else {
            Issue.record("expected output")
            return
        }
        #expect(position.line == 2 && position.column == 3)
        #expect(at(expression) == "2:6")
        guard case .text(let text, let textPosition) = try #require(parsed.first) else {
            Issue.record("expected text")
            return
        }
        #expect(text == "one\n  " && textPosition.line == 1 && textPosition.column == 1)
    }

    @Test func filterBindsTighterThanConcatenation() throws {
        let expression = try outputExpression("x\n{{ a ~ b.c | upper }}")
        guard case .binary(.concatenate, let lhs, let rhs) = expression.kind else {
            Issue.record("expected ~ at the top")
            return
        }
        #expect(at(expression) == "2:6")
        #expect(at(lhs) == "2:4")
        guard case .filter(let input, .upper, let arguments) = rhs.kind else {
            Issue.record("expected a filter on the right")
            return
        }
        #expect(arguments.isEmpty)
        #expect(at(rhs) == "2:14")
        #expect(at(input) == "2:8")
        #expect(input.sourceText == "b.c")
    }

    @Test func booleanPrecedenceIsOrAndNotComparison() throws {
        let expression = try outputExpression("{{ a or not b == 1 and c in d }}")
        #expect(expression.sourceText == "a or not b == 1 and c in d")
        guard case .binary(.or, _, let right) = expression.kind,
            case .binary(.and, let negated, let membership) = right.kind,
            case .not(let comparison) = negated.kind,
            case .binary(.equal, _, _) = comparison.kind,
            case .binary(.in, _, _) = membership.kind
        else {
            Issue.record("unexpected tree")
            return
        }
        #expect(at(right) == "1:20")
        #expect(at(negated) == "1:9")
        #expect(at(membership) == "1:26")
    }

    @Test func indexCallAndFilterArgumentsParse() throws {
        let expression = try outputExpression(#"{{ env("HOME") ~ m["k"][0] | replace("a", 'b') }}"#)
        #expect(expression.sourceText == #"env("HOME") ~ m["k"][0] | replace("a", "b")"#)
        guard case .binary(.concatenate, let call, let filtered) = expression.kind,
            case .call(.env, let arguments) = call.kind,
            case .filter(let input, .replace, let filterArguments) = filtered.kind
        else {
            Issue.record("unexpected tree")
            return
        }
        #expect(at(call) == "1:4" && arguments.count == 1 && at(arguments[0]) == "1:8")
        #expect(at(input) == "1:18" && at(filtered) == "1:30")
        #expect(filterArguments.map(at) == ["1:38", "1:43"])
    }

    @Test func ifElifElseBuildsBranches() throws {
        let parsed = try nodes("{% if a %}1{% elif b %}2{% else %}3{% endif %}")
        guard case .conditional(let branches, let otherwise) = try #require(parsed.first) else {
            Issue.record("expected conditional")
            return
        }
        #expect(branches.count == 2)
        #expect(branches.map { at($0.condition) } == ["1:7", "1:20"])
        #expect(otherwise?.count == 1)
    }

    @Test func forWithKeyAndValue() throws {
        let parsed = try nodes("\n {% for k, v in m %}{{ k }}{% endfor %}")
        guard case .loop(let loop) = try #require(parsed.last) else {
            Issue.record("expected loop")
            return
        }
        #expect(loop.keyName == "k" && loop.valueName == "v")
        #expect(loop.position.line == 2 && loop.position.column == 2)
        #expect(at(loop.iterable) == "2:17")
    }

    @Test(arguments: [
        ("{% if a %}x", "unclosedTag@1:1"),
        ("a\n{% for x in y %}\n{% if x %}\n{% endfor %}", "unclosedTag@3:1"),
        ("{% endif %}", "syntax@1:1"),
        ("{% while x %}", "syntax@1:1"),
        ("{{ }}", "syntax@1:4"),
        ("{{ a b }}", "syntax@1:6"),
        ("{{ a. }}", "syntax@1:7"),
        ("{{ (a }}", "syntax@1:7"),
        ("{{ a | }}", "syntax@1:8"),
        ("{% for in x %}{% endfor %}", "syntax@1:8"),
        ("{% for x y %}{% endfor %}", "syntax@1:10"),
        ("{% if x %}{% else %}{% elif y %}{% endif %}", "syntax@1:21"),
        ("{% if x %}{% endif junk %}", "syntax@1:20"),
        ("x\n  {{ a | nope }}", "unknownFilter@2:10"),
        ("{{ nope(1) }}", "unknownFunction@1:4"),
        ("{{ a | default }}", "invalidArgument@1:8"),
        ("{{ a | replace('x') }}", "invalidArgument@1:8"),
        ("{{ env() }}", "invalidArgument@1:4"),
        ("{{ {\"a\": 1, \"a\": 2} | json }}", "syntax@1:13"),
        ("{{ {\"a\": 1,\n 'b': 2, 'a': 3} | json }}", "syntax@2:10"),
        ("{{ {a: 1} }}", "syntax@1:5"),
        ("{{ {1: 1} }}", "syntax@1:5"),
        ("{{ {\"a\" 1} }}", "syntax@1:9"),
        ("{{ {\"a\": 1,} }}", "syntax@1:12"),
        ("{{ {\"a\": } }}", "syntax@1:10"),
        ("{{ {\"a\": 1, } | json }}", "syntax@1:13"),
        ("{% if {\"a\": 1 %}{% endif %}", "syntax@1:15"),
    ])
    func syntaxErrorsHaveExactPositions(source: String, expected: String) {
        let diagnostics = TemplateTestSupport.diagnostics(source)
        #expect(TemplateTestSupport.summary(diagnostics) == [expected], "\(diagnostics)")
    }

    @Test func mapLiteralKeepsKeysInOrderWithTheirExpressions() throws {
        let expression = try outputExpression("{{ {'b': x, \"a\": {\"c\": [1]}} }}")
        guard case .map(let entries) = expression.kind else {
            Issue.record("expected a map literal")
            return
        }
        #expect(entries.map(\.key) == ["b", "a"])
        #expect(at(expression) == "1:4")
        #expect(entries.map { at($0.value) } == ["1:10", "1:18"])
        #expect(expression.depth == 3)
    }

    @Test func aDuplicateMapKeyNamesTheKeyAndItsFirstPosition() {
        let diagnostics = TemplateTestSupport.diagnostics("{{ {'k': 1,\n 'k': 2} | json }}")
        #expect(
            diagnostics.map(\.description) == [
                "templates/x.tmpl:2:2: duplicate key \"k\" in the map (first at line 1, column 5); remove one of them"
            ]
        )
    }

    @Test func aMapMissingItsClosingBraceIsAnUnclosedTag() {
        let summary = TemplateTestSupport.summary(TemplateTestSupport.diagnostics("{{ {\"a\": 1 }}\ntext"))
        #expect(summary.first == "unclosedTag@1:1")
    }

    @Test func severalSyntaxErrorsAreReportedTogether() {
        let diagnostics = TemplateTestSupport.diagnostics("{{ a | bad1 }}\n{{ b | bad2 }}\n{{ c ( }}\n{% if x %}")
        #expect(
            TemplateTestSupport.summary(diagnostics) == [
                "unknownFilter@1:8", "unknownFilter@2:8", "syntax@3:8", "unclosedTag@4:1",
            ]
        )
    }

    @Test func diagnosticDescriptionIsFileLineColumnMessage() {
        let diagnostics = TemplateTestSupport.diagnostics("\n\n  {{ a | nope }}")
        #expect(diagnostics.map(\.description) == ["templates/x.tmpl:3:10: unknown filter 'nope'"])
    }
}
