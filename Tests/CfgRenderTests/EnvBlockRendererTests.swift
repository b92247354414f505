import CfgRender
import CfgTemplate
import Testing

struct EnvBlockRendererTests {
    @Test func writesSingleLineValuesVerbatim() throws {
        let single = HostileValues.all.filter { !$0.value.contains(where: \.isNewline) }
        let output = try EnvBlockRenderer.render(HostileValues.settings(single))
        let expected = single.map { "CFG_T_\($0.name.uppercased())=\($0.value)\n" }.joined()
        #expect(output == expected)
        #expect(output.contains("CFG_T_SPACES=  leading and trailing  \n"))
        #expect(output.contains("CFG_T_EMPTY=\n"))
    }

    @Test(arguments: ["a\nb", "a\rb", "\n", "a\0b"])
    func lineBreakOrNULIsAnErrorNamingTheVariableNotTheValue(_ bad: String) {
        let settings = HostileValues.settings([("pw", Canary.secret + bad + Canary.secret)])
        #expect {
            try EnvBlockRenderer.render(settings)
        } throws: { error in
            guard let error = error as? RenderError else { return false }
            #expect(error.code == .invalidValue)
            #expect(error.variable == "CFG_T_PW")
            #expect(error.description.hasPrefix("t.cfg:1:1: The value of CFG_T_PW contains"))
            #expect(!error.description.contains(Canary.secret))
            #expect(!String(reflecting: error).contains(Canary.secret))
            return true
        }
    }

    @Test func invalidVariableNameIsAnError() {
        var settings = HostileValues.settings([("x", "1")])
        settings[0].variable = "BAD NAME"
        #expect(throws: RenderError(.invalidSetting, "")) { try EnvBlockRenderer.render(settings) }
    }
}
