import Testing

@testable import CfgRotate

@Suite struct RotateEngineTests {
    @Test func theNamespaceExists() {
        #expect(String(describing: RotateEngine.self) == "RotateEngine")
    }
}
