import CfgHTTP
import Testing

struct ProxySettingsTests {
    @Test(
        arguments: [
            ([:], ProxySettings.none),
            (["http_proxy": "http://p:1"], ProxySettings(http: "http://p:1")),
            // curl ignores upper-case HTTP_PROXY (it can be injected through a CGI `Proxy:` header).
            (["HTTP_PROXY": "http://p:1"], ProxySettings.none),
            (["HTTPS_PROXY": "http://s:2"], ProxySettings(https: "http://s:2")),
            (
                ["HTTPS_PROXY": "http://upper:2", "https_proxy": "http://lower:2"],
                ProxySettings(https: "http://lower:2")
            ),
            (["ALL_PROXY": "http://a:3"], ProxySettings(http: "http://a:3", https: "http://a:3")),
            (
                ["all_proxy": "http://lower:3", "ALL_PROXY": "http://upper:3", "http_proxy": "http://p:1"],
                ProxySettings(http: "http://p:1", https: "http://lower:3")
            ),
            (["NO_PROXY": "upper", "no_proxy": "lower"], ProxySettings(noProxy: "lower")),
            (["NO_PROXY": "127.0.0.1,.internal"], ProxySettings(noProxy: "127.0.0.1,.internal")),
            (["http_proxy": "", "https_proxy": "", "no_proxy": ""], ProxySettings.none),
        ]
    )
    func fromEnvironmentFollowsCurlRules(processEnvironment: [String: String], expected: ProxySettings) {
        #expect(ProxySettings.fromEnvironment(processEnvironment) == expected)
    }
}
