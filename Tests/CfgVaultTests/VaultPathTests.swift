import Testing

@testable import CfgVault

/// Vault API paths: each segment percent-encoded byte by byte (RFC 3986 unreserved characters kept), empty segments
/// dropped.
struct VaultPathTests {
    @Test(
        arguments: [
            ("airflow/prod/db", "airflow/prod/db"),
            ("a b/c%", "a%20b/c%25"),
            ("/lead//double/", "lead/double"),
            ("ünï", "%C3%BCn%C3%AF"),
            ("AZaz09-._~", "AZaz09-._~"),
            ("?#[]@!$&'()*+,;=:", "%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%3A"),
            ("../x", "../x"),
            ("", ""),
            ("///", ""),
        ]
    )
    func everySegmentIsPercentEncoded(path: String, expected: String) {
        #expect(VaultPath.encoded(path) == expected)
    }

    @Test func joinEncodesEachPartAndSkipsEmptyOnes() {
        #expect(VaultPath.join("secret", "data", "a b/c") == "secret/data/a%20b/c")
        #expect(VaultPath.join("kv/", "", "x") == "kv/x")
    }
}
