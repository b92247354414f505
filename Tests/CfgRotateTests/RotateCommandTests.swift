import Testing

@testable import CfgRotate

@Suite struct RotateCommandTests {
    @Test func theNamespaceExists() {
        #expect(String(describing: RotateCommand.self) == "RotateCommand")
    }
}
