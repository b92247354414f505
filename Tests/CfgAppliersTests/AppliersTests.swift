import Testing

@testable import CfgAppliers

@Suite struct AppliersTests {
    @Test func theNamespaceExists() {
        #expect(String(describing: Appliers.self) == "Appliers")
    }
}
