import Testing

@testable import CfgAppliers

/// libpq's version number as `cfg version` prints it.
struct PostgresLibraryTests {
    @Test(arguments: [
        (Int32(150_013), "15.13"), (Int32(170_000), "17.0"), (Int32(100_001), "10.1"), (Int32(90_605), "9.6.5"),
        (Int32(90_224), "9.2.24"),
    ])
    func formatsAsPostgresWritesIt(number: Int32, expected: String) {
        #expect(PostgresLibrary.format(number) == expected)
    }

    @Test func theLoadedLibraryHasAVersion() {
        #expect(PostgresLibrary.version.wholeMatch(of: /\d+\.\d+(\.\d+)?/) != nil)
    }
}
