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
}
