import Testing

@testable import CfgAppliers

@Suite struct RedisReplyTests {
    @Test(
        arguments: [
            ("WRONGPASS invalid username-password pair", "WRONGPASS"),
            ("NOPERM User x has no permissions", "NOPERM"),
            ("ERR Error in ACL SETUSER modifier '<secret': …", "ERR"),
            ("NOAUTH", "NOAUTH"),
            ("", "ERR"),
            ("weird'word rest", "ERR"),
            (String(repeating: "A", count: 40) + " rest", "ERR"),
        ]
    )
    func anErrorKeepsItsFirstWordOnly(message: String, code: String) {
        let bytes = Array(message.utf8)
        #expect(bytes.withUnsafeBytes { RedisReply.errorCode(of: $0) } == code)
    }

    @Test func aCommandIsNamedByItsLeadingWords() {
        #expect(RedisConnection.name(of: [.text("ping")]) == "PING")
        #expect(RedisConnection.name(of: [.text("acl"), .text("setuser"), .text("u")]) == "ACL SETUSER")
        #expect(RedisConnection.name(of: [.text("AUTH"), .text("user")]) == "AUTH")
    }
}
