import CfgRender
import CfgTemplate
import Testing

struct SettingsSetTests {
    @Test func laterTemplatesOverrideEarlierOnesAndResultIsSorted() throws {
        let common = try SettingsParser.parse(
            TemplateBuilder.literal("[core]\nparallelism = 32\nexecutor = CeleryExecutor\n", file: "common.cfg")
        )
        let scheduler = try SettingsParser.parse(
            TemplateBuilder.literal("[core]\nPARALLELISM = 64\n[env]\nAIRFLOW__CORE__EXECUTOR = Local\n", file: "s.cfg")
        )
        let merged = SettingsSet.merge([common, scheduler])
        #expect(merged.map(\.variable) == ["AIRFLOW__CORE__EXECUTOR", "AIRFLOW__CORE__PARALLELISM"])
        #expect(merged.map(\.value.text) == ["Local", "64"])
        #expect(merged.allSatisfy { $0.position.file == "s.cfg" })
        #expect(SettingsSet.merge([scheduler, common]).map(\.value.text) == ["CeleryExecutor", "32"])
    }
}
