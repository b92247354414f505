import Testing

@testable import CfgTemplate

struct TemplateValueDescriptionTests {
    @Test func secretScalarsAreRedacted() {
        let value = TemplateTestSupport.map([
            ("p", .string("hunter2", secret: true, origin: SecretOrigin(secret: "db", key: "p"))),
            ("n", .integer(42, secret: true)),
            ("plain", .string("ok")),
            ("l", .list([.bool(true, secret: true), .double(1.5), .null])),
        ])
        #expect(
            value.description == #"{"p": <REDACTED>, "n": <REDACTED>, "plain": "ok", "l": [<REDACTED>, 1.5, null]}"#
        )
        #expect(!String(reflecting: value).contains("hunter2"))
        var dumped = ""
        dump(value, to: &dumped)
        #expect(!dumped.contains("hunter2"))
    }

    @Test func unresolvedShowsItsReason() {
        #expect(TemplateValue.unresolved(reason: "not found").description == "<unresolved: not found>")
    }
}
