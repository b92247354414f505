import Testing

@testable import CfgTemplate

struct TemplateFilterTests {
    private func render(_ source: String, _ variables: [String: TemplateValue] = [:]) throws -> String {
        try TemplateTestSupport.render(source, variables).text
    }

    private func apply(_ filter: TemplateFilter, _ input: String, _ arguments: [TemplateValue] = []) throws -> String {
        let result = try filter.apply(to: .string(input), arguments: arguments)
        return try #require(result.scalarText)
    }

    @Test func urlencodePercentEncodesEverythingButUnreserved() throws {
        let hostile = #"p@ss:/w%rd#?&+'"= $\!*()é"#
        #expect(
            try apply(.urlencode, hostile)
                == "p%40ss%3A%2Fw%25rd%23%3F%26%2B%27%22%3D%20%24%5C%21%2A%28%29%C3%A9"
        )
        #expect(try apply(.urlencode, "AZaz09-._~") == "AZaz09-._~")
        #expect(try render("{{ 'a b' | urlencode }}") == "a%20b")
    }

    @Test(arguments: ["", "f", "fo", "foo", "foob", "fooba", "foobar", "é€😀\n\u{0}", "??>>"])
    func base64RoundTrips(text: String) throws {
        let variables: [String: TemplateValue] = ["t": .string(text)]
        #expect(try render("{{ t | base64 | base64decode }}", variables) == text)
        #expect(try render("{{ t | base64url | base64urldecode }}", variables) == text)
    }

    @Test func base64MatchesRFC4648Vectors() throws {
        #expect(try apply(.base64, "foobar") == "Zm9vYmFy")
        #expect(try apply(.base64, "fooba") == "Zm9vYmE=")
        #expect(try apply(.base64, "foob") == "Zm9vYg==")
        #expect(try apply(.base64, "??>>") == "Pz8+Pg==")
        #expect(try apply(.base64url, "??>>") == "Pz8-Pg==")
        #expect(try apply(.base64decode, "Zm9vYg==") == "foob")
    }

    @Test func base64urldecodeAcceptsPaddedAndUnpadded() throws {
        #expect(try apply(.base64urldecode, "Pz8-Pg==") == "??>>")
        #expect(try apply(.base64urldecode, "Pz8-Pg") == "??>>")
    }

    @Test(arguments: [
        (TemplateFilter.base64decode, "Zm9vYg"),
        (.base64decode, "Pz8-Pg=="),
        (.base64decode, "Zm9v!mFy"),
        (.base64decode, "Z==="),
        (.base64urldecode, "Pz8+Pg=="),
        (.base64urldecode, "Zm9vY"),
        (.base64decode, "/w=="),
    ])
    func decodersRejectInvalidInputAndNonUTF8(filter: TemplateFilter, input: String) {
        #expect(throws: TemplateFilter.Failure.self) { try filter.apply(to: .string(input), arguments: []) }
    }

    @Test func jsonEscapesStringsAndKeepsMapOrder() throws {
        #expect(try apply(.json, "q\"b\\n\nt\tc\u{1}\u{1F}é€") == #""q\"b\\n\nt\tc\u0001\u001fé€""#)
        let value = TemplateTestSupport.map([
            ("z", .list([.integer(1), .double(2.5), .bool(true), .null])),
            ("a", .string("x")),
        ])
        #expect(try render("{{ v | json }}", ["v": value]) == #"{"z":[1,2.5,true,null],"a":"x"}"#)
        #expect(try render("{{ 3 | json }} {{ 'a' | json }}") == #"3 "a""#)
    }

    @Test func shellquoteWrapsInSingleQuotes() throws {
        #expect(try apply(.shellquote, "it's") == #"'it'\''s'"#)
        #expect(try apply(.shellquote, "") == "''")
        #expect(try apply(.shellquote, "$HOME `x` \"y\"") == #"'$HOME `x` "y"'"#)
    }

    @Test func caseTrimAndReplace() throws {
        #expect(try render("{{ 'aBé' | upper }} {{ 'AbÉ' | lower }} [{{ ' \\n x y \\t' | trim }}]") == "ABÉ abé [x y]")
        #expect(try render("{{ 'a-b-c' | replace('-', '::') }} {{ 'abc' | replace('', 'x') }}") == "a::b::c abc")
    }

    @Test func joinStringAndLength() throws {
        let variables: [String: TemplateValue] = [
            "l": .list([.string("a"), .integer(1), .bool(false)]),
            "m": TemplateTestSupport.map([("k", .null)]),
        ]
        #expect(
            try render(
                "{{ l | join(', ') }} {{ 5 | string }} {{ l | length }} {{ m | length }} {{ 'héé' | length }}",
                variables
            ) == "a, 1, false 5 3 1 3"
        )
        #expect(
            TemplateTestSupport.summary(TemplateTestSupport.diagnostics("{{ [[1]] | join(',') }}")) == [
                "typeError@1:12"
            ]
        )
        #expect(
            TemplateTestSupport.summary(TemplateTestSupport.diagnostics("{{ null | string }}")) == ["typeError@1:11"]
        )
    }

    @Test func defaultFilterAcceptsAnyValue() throws {
        #expect(try render("{{ x | default('') }}|{{ null | default([1]) | json }}") == "|[1]")
    }

    @Test func everyFilterIsExercised() {
        // A new filter must be added to this test file too (the Airflow connection filters: AirflowConnectionTests).
        #expect(TemplateFilter.allCases.count == 17)
    }
}
