import Testing

@testable import CfgConfig

struct NamePatternTests {
    @Test func identifiersAreLettersDigitsAndUnderscores() {
        #expect(["db", "_x", "smtp_2", "Fernet"].allSatisfy(NamePattern.isIdentifier))
        #expect(!["", "2db", "my-db", "a.b", "é"].contains(where: NamePattern.isIdentifier))
    }

    @Test func serviceNamesAreLowercaseWithDashes() {
        #expect(["api-server", "dag-processor", "worker2", "0x"].allSatisfy(NamePattern.isServiceName))
        #expect(!["", "-a", "Api", "a_b", "a b"].contains(where: NamePattern.isServiceName))
    }

    @Test func environmentNamesAllowDotsAndDashes() {
        #expect(["dev", "prod.eu-west-1", "Stage_2", "1"].allSatisfy(NamePattern.isEnvironmentName))
        #expect(!["", ".hidden", "-x", "a/b", "a b"].contains(where: NamePattern.isEnvironmentName))
    }
}
