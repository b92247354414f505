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

    @Test func libpqLoadsWithEveryFunctionCfgCalls() {
        #expect(PostgresLibrary.load() == nil)
        #expect(PostgresLibrary.loadFailure(from: "libpq.so.5") == nil)
    }

    /// A missing file, and a library without libpq's functions: one line naming libpq, the cause and the package.
    @Test(arguments: [
        ("libcfg-test-no-such-library.so.5", "libcfg-test-no-such-library.so.5"),
        ("libc.so.6", "libc.so.6: no symbol PQ"),
    ])
    func anUnloadableLibraryIsOneLineNamingThePackage(soname: String, cause: String) throws {
        let failure = try #require(PostgresLibrary.loadFailure(from: soname))
        #expect(failure.hasPrefix("libpq could not be loaded ("))
        #expect(failure.contains(cause))
        #expect(failure.hasSuffix("install the Debian package libpq5"))
        #expect(!failure.contains("\n"))
    }
}
