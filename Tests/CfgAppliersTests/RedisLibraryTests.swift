import Testing

@testable import CfgAppliers

/// hiredis, opened with dlopen on the first connection.
struct RedisLibraryTests {
    @Test func hiredisLoadsWithEveryFunctionCfgCalls() {
        #expect(RedisLibrary.load() == nil)
        #expect(RedisLibrary.loadFailure(from: "libhiredis.so.0.14") == nil)
    }

    /// A missing file, and a library without hiredis's functions: one line naming hiredis, the cause and the package.
    @Test(arguments: [
        ("libcfg-test-no-such-library.so.0", "libcfg-test-no-such-library.so.0"),
        ("libc.so.6", "libc.so.6: no symbol redis"),
    ])
    func anUnloadableLibraryIsOneLineNamingThePackage(soname: String, cause: String) throws {
        let failure = try #require(RedisLibrary.loadFailure(from: soname))
        #expect(failure.hasPrefix("hiredis could not be loaded ("))
        #expect(failure.contains(cause))
        #expect(failure.hasSuffix("install the Debian package libhiredis0.14"))
        #expect(!failure.contains("\n"))
    }
}
