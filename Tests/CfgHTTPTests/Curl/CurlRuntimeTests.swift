import CfgHTTP
import Testing

struct CurlRuntimeTests {
    @Test func linkedLibcurlSupportsHTTPS() throws {
        let info = try #require(CurlRuntime.info())
        #expect(info.protocols.contains("https"))
        #expect(info.protocols.contains("http"))
        #expect(info.tlsBackend != nil)
        #expect(!info.version.isEmpty)
    }

    @Test func libcurlLoadsWithEveryFunctionCfgCalls() {
        #expect(CurlRuntime.loadFailure(from: "libcurl.so.4") == nil)
    }

    /// A missing file, and a library without libcurl's functions: one line naming libcurl, the cause and the package.
    @Test(arguments: [
        ("libcfg-test-no-such-library.so.4", "libcfg-test-no-such-library.so.4"),
        ("libc.so.6", "libc.so.6: no symbol curl_"),
    ])
    func anUnloadableLibraryIsOneLineNamingThePackage(soname: String, cause: String) throws {
        let failure = try #require(CurlRuntime.loadFailure(from: soname))
        #expect(failure.hasPrefix("libcurl could not be loaded ("))
        #expect(failure.contains(cause))
        #expect(failure.hasSuffix("install the Debian package \(CurlRuntime.debianPackage)"))
        #expect(!failure.contains("\n"))
    }
}
