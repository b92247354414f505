import Foundation
import Testing

@testable import CfgConfig

@Suite struct AirflowExpansionTests {
    struct Case: Decodable, CustomTestStringConvertible {
        var value: String
        var alters: Bool
        var testDescription: String { "\"\(value)\" alters: \(alters)" }
    }

    struct Table: Decodable {
        var cases: [Case]
    }

    /// The table CPython's own expandvars/expanduser confirm (IntegrationTests/test_airflow_schema.py).
    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("airflow-expansion-cases.json")
        guard let data = try? Data(contentsOf: url), let table = try? JSONDecoder().decode(Table.self, from: data)
        else { return [] }
        return table.cases
    }()

    @Test func theTableIsRead() {
        #expect(Self.cases.count >= 20)
    }

    @Test(arguments: cases)
    func cfgAgreesWithPython(_ example: Case) {
        #expect(AirflowExpansion.mayAlter(example.value) == example.alters)
    }

    @Test func formsAreNamedOnceInOrder() {
        #expect(AirflowExpansion.forms(in: "~/$A$B${C}") == [.home, .variable, .bracedVariable])
        #expect(AirflowExpansion.forms(in: "${C}$A") == [.bracedVariable, .variable])
        #expect(AirflowExpansion.forms(in: "none").isEmpty)
    }
}
