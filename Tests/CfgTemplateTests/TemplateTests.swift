import Testing

@testable import CfgTemplate

struct TemplateTests {
    private func references(_ source: String) throws -> SecretReferences {
        try Template.parse(source, file: "t").secretReferences()
    }

    @Test func attributeAndLiteralIndexNameOneSecret() throws {
        let found = try references(
            "{{ secrets.db.password }} {{ secrets['api'] | urlencode }} {% if secrets.flag %}{% endif %}"
        )
        #expect(found == SecretReferences(names: ["db", "api", "flag"], usesAllSecrets: false))
    }

    @Test func referencesInsideDefaultsLoopsAndBranchesAreFound() throws {
        let source = "{% for x in values.l %}{{ x ~ secrets.a.b }}{% else %}{% endfor %}"
        #expect(throws: TemplateError.self) { try references(source) }
        let found = try references(
            "{% for x in values.l %}{{ x ~ secrets.a.b }}{% endfor %}{% if y %}{% else %}{{ z | default(secrets.c) }}{% endif %}"
        )
        #expect(found == SecretReferences(names: ["a", "c"], usesAllSecrets: false))
    }

    @Test(arguments: [
        "{% for k, v in secrets %}{% endfor %}",
        "{{ secrets[name] }}",
        "{{ secrets | json }}",
        "{{ secrets }}",
        "{% if 'db' in secrets %}{% endif %}",
    ])
    func anyOtherUseOfSecretsUsesAll(source: String) throws {
        #expect(try references(source).usesAllSecrets)
    }

    @Test func templateWithoutSecretsReferencesNone() throws {
        #expect(try references("{{ values.secrets }} text") == SecretReferences())
    }

    @Test func parseKeepsTheFileName() throws {
        #expect(try Template.parse("x", file: "templates/a.tmpl").file == "templates/a.tmpl")
    }

    /// Misuses of secret values must fail without the value in any message.
    @Test(arguments: [
        "{{ secrets.db }}",
        "{{ secrets.db.password | base64decode }}",
        "{{ secrets.db.password | base64urldecode }}",
        "{{ secrets.db.password.x }}",
        "{{ secrets.db.password[0] }}",
        "{{ secrets.db.password < 1 }}",
        "{{ secrets.db.password in 3 }}",
        "{{ secrets.db ~ 'x' }}",
        "{% for x in secrets.db.password %}{% endfor %}",
        "{{ values[secrets.db.password] }}",
        "{{ secrets.db[secrets.db.password] }}",
        "{{ env(secrets.db.password) }}",
        "{{ secrets.list | join(secrets.db.password) }}",
        "{{ 'a' | replace(secrets.db.password, 1) }}",
        "{{ secrets.list | join(',') }}",
        "{{ secrets.db.password | length | upper ~ secrets.db }}",
    ])
    func diagnosticsNeverContainTheSecretValue(source: String) {
        let canary = "CANARY-7f3a9c!not~base64"
        let secrets = TemplateTestSupport.map([
            ("db", TemplateTestSupport.map([("password", .string(canary, secret: true))])),
            ("list", .list([.string(canary, secret: true), .list([.string(canary, secret: true)])])),
        ])
        let found = TemplateTestSupport.diagnostics(
            source,
            ["secrets": secrets, "values": TemplateTestSupport.map([])]
        )
        #expect(!found.isEmpty)
        let error = TemplateError(diagnostics: found)
        #expect(!error.description.contains(canary))
        #expect(!String(reflecting: error).contains(canary))
        #expect(!"\(secrets)".contains(canary))
    }
}
