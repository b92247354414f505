import Testing

@testable import CfgTemplate

struct TemplateLexerTests {
    private func lex(_ source: String) -> (pieces: [TemplatePiece], diagnostics: [TemplateDiagnostic]) {
        var lexer = TemplateLexer(source: source, file: "t")
        let pieces = lexer.lex()
        return (pieces, lexer.diagnostics)
    }

    private func render(_ source: String, _ variables: [String: TemplateValue] = [:]) throws -> String {
        try TemplateTestSupport.render(source, variables).text
    }

    @Test func tokensCarryLineAndColumn() throws {
        let (pieces, diagnostics) = lex("ab\n  {{ x.y | join(\", \") }}")
        #expect(diagnostics.isEmpty)
        guard case .output(let tokens, let position) = try #require(pieces.last) else {
            Issue.record("expected an output piece")
            return
        }
        #expect(position.line == 2 && position.column == 3)
        let positions = tokens.map { "\($0.position.line):\($0.position.column)" }
        #expect(positions == ["2:6", "2:7", "2:8", "2:10", "2:12", "2:16", "2:17", "2:21", "2:23"])
        #expect(tokens[6].kind == .string(", "))
        #expect(tokens.last?.kind == .end)
    }

    @Test func columnsCountUnicodeScalars() {
        let (pieces, _) = lex("é€😀{{ x }}")
        guard case .output(_, let position) = pieces.last else {
            Issue.record("expected an output piece")
            return
        }
        #expect(position.column == 4)
    }

    @Test func numbersAndStringEscapesAreDecoded() {
        let (pieces, diagnostics) = lex(#"{{ 42 -7 1.5 2e3 'a\'b' "c\"d\\e\n\t" }}"#)
        #expect(diagnostics.isEmpty)
        guard case .output(let tokens, _) = pieces.first else {
            Issue.record("expected an output piece")
            return
        }
        #expect(
            tokens.map(\.kind) == [
                .integer(42), .integer(-7), .double(1.5), .double(2000), .string("a'b"), .string("c\"d\\e\n\t"), .end,
            ]
        )
    }

    @Test func unexpectedCharacterIsASyntaxErrorAtItsPosition() {
        let diagnostics = TemplateTestSupport.diagnostics("x\n{{ a = b }}")
        #expect(TemplateTestSupport.summary(diagnostics) == ["syntax@2:6"])
    }

    @Test func unterminatedStringIsReportedAtItsQuote() {
        let diagnostics = TemplateTestSupport.diagnostics("{{ 'abc }}\n")
        #expect(TemplateTestSupport.summary(diagnostics) == ["unclosedTag@1:1", "syntax@1:4"])
    }

    @Test func unknownEscapeIsASyntaxError() {
        let diagnostics = TemplateTestSupport.diagnostics(#"{{ "a\qb" }}"#)
        #expect(TemplateTestSupport.summary(diagnostics) == ["syntax@1:6"])
    }

    @Test(arguments: [
        ("ab {{ x", "unclosedTag@1:4"),
        ("ab\n  {% if x ", "unclosedTag@2:3"),
        ("line\n{# note", "unclosedTag@2:1"),
    ])
    func unclosedTagPointsAtItsOpening(source: String, expected: String) {
        #expect(TemplateTestSupport.summary(TemplateTestSupport.diagnostics(source)).first == expected)
    }

    @Test func tagRunningIntoTheNextTagIsUnclosedAndTheNextStillParses() {
        let diagnostics = TemplateTestSupport.diagnostics("{{ a \n{{ b | nope }}")
        #expect(TemplateTestSupport.summary(diagnostics) == ["unclosedTag@1:1", "unknownFilter@2:8"])
    }

    @Test func commentsProduceNothing() throws {
        #expect(try render("a{# hidden {{ x }} #}b") == "ab")
    }

    @Test func dashStripsAllWhitespaceOnItsSide() throws {
        let variables: [String: TemplateValue] = ["x": .string("X")]
        #expect(try render("a  \n {{- x }} \n b", variables) == "aX \n b")
        #expect(try render("a  \n {{ x -}} \n b", variables) == "a  \n Xb")
        #expect(try render("a \n{%- if true -%}\n b {%- endif %}", variables) == "ab")
        #expect(try render("a \n {#- c -#} \n b") == "ab")
    }

    @Test func standaloneBlockTagsRemoveTheirWholeLine() throws {
        let source = """
            start
              {% if show %}
            shown
              {% endif %}
            {# a comment line #}
            end

            """
        #expect(try render(source, ["show": .bool(true)]) == "start\nshown\nend\n")
        #expect(try render(source, ["show": .bool(false)]) == "start\nend\n")
    }

    @Test func standaloneTagAtEndOfFileWithoutNewline() throws {
        #expect(try render("{% if true %}\nx\n{% endif %}") == "x\n")
    }

    @Test func tagSharingItsLineWithTextKeepsTheLine() throws {
        #expect(try render("a {% if true %}b{% endif %}\nc") == "a b\nc")
        #expect(try render("{% if true %}{% endif %}\nc") == "\nc")
    }

    @Test func outputTagOnItsOwnLineKeepsTheLine() throws {
        #expect(try render("a\n{{ x }}\nb", ["x": .string("X")]) == "a\nX\nb")
    }

    @Test func crlfLineOfAStandaloneTagIsRemoved() throws {
        #expect(try render("a\r\n{% if true %}\r\nb\r\n{% endif %}\r\n") == "a\r\nb\r\n")
    }
}
