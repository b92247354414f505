import Testing

@testable import CfgTemplate

/// Secrets a context withholds (not fetched): the text says which of them each output and each other use needed,
/// instead of failing; a secret that is not withheld behaves as before.
struct WithheldSecretsTests {
    static let secrets: [String: TemplateValue] = [
        "secrets": TemplateTestSupport.map([
            ("db", TemplateTestSupport.map([("password", .string("pw", secret: true))])),
            ("fernet", .withheld(secret: "fernet")),
            ("redis", .withheld(secret: "redis")),
        ]),
        "values": TemplateTestSupport.map([("host", .string("h"))]),
    ]

    static func render(_ source: String, withheld: Set<String> = ["fernet", "redis"]) throws -> RenderedText {
        let template = try Template.parse(source, file: TemplateTestSupport.file)
        return try template.render(TemplateContext(variables: secrets, withheldSecrets: withheld))
    }

    @Test func anOutputOfAWithheldSecretIsAnEmptySecretSegmentNamingIt() throws {
        let text = try Self.render("a = {{ secrets.fernet.key }}\nb = {{ secrets.db.password }}\n")
        let outputs = text.segments.filter { $0.kind == .value }
        #expect(outputs.map(\.withheld) == [["fernet"], []])
        #expect(outputs[0].text.isEmpty && outputs[0].isSecret)
        #expect(outputs[0].position.line == 1 && outputs[0].position.column == 5)
        #expect(text.text == "a = \nb = pw\n")
        #expect(text.withheldUses.isEmpty)
        #expect(text.withheldSecrets == ["fernet"])
    }

    @Test(arguments: [
        "{{ secrets.fernet.key | urlencode }}", "{{ 'x' ~ secrets.fernet.key ~ secrets.redis.token }}",
        "{{ secrets['fernet'].key }}", "{{ secrets.db.password ~ secrets.fernet.key }}",
        "{{ secrets.fernet.key | default('d') }}", "{{ [secrets.fernet.key, 1] | join(',') }}",
        "{{ values.host | replace('h', secrets.fernet.key) }}", "{{ not secrets.fernet.key }}",
        "{{ secrets.fernet.key == 'a' }}", "{{ secrets.fernet.key and 1 }}",
    ])
    func filtersAndOperatorsCarryTheWithheldSecretsToTheOutput(source: String) throws {
        let text = try Self.render(source)
        let output = try #require(text.segments.first { $0.kind == .value })
        #expect(!output.withheld.isEmpty)
        #expect(output.withheld.isSubset(of: ["fernet", "redis"]))
        #expect(text.withheldUses.isEmpty)
    }

    @Test func conditionsLoopsAndWholeContainersAreUsesThatSkipTheirBlock() throws {
        let condition = try Self.render("{% if secrets.fernet.key %}x = 1\n{% endif %}y = 2\n")
        #expect(condition.withheldUses == ["fernet"])
        #expect(condition.text == "y = 2\n")
        let loop = try Self.render("{% for k in secrets.redis %}{{ k }}{% endfor %}")
        #expect(loop.withheldUses == ["redis"])
        let container = try Self.render("{{ secrets | json }}")
        #expect(container.withheldUses.count == 1)
        #expect(container.withheldSecrets.isSubset(of: ["fernet", "redis"]))
    }

    @Test func withoutTheContextWithholdingItTheValueIsAnUnresolvedError() {
        let diagnostics: [TemplateDiagnostic]
        do {
            _ = try Self.render("a = {{ secrets.fernet.key }}", withheld: [])
            diagnostics = []
        } catch {
            diagnostics = (error as? TemplateError)?.diagnostics ?? []
        }
        #expect(TemplateTestSupport.summary(diagnostics) == ["unresolved@1:8"])
        #expect(diagnostics.first?.message.contains("was not fetched") == true)
    }

    @Test func otherErrorsAreStillReported() {
        #expect(throws: TemplateError.self) { try Self.render("{{ secrets.fernet.key | nosuchfilter }}") }
        #expect(throws: TemplateError.self) { try Self.render("{{ secrets.db.nokey }}") }
    }
}
