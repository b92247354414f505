import Testing

@testable import CfgAppliers

/// The strict RESP2 reader: every reply type, partial input, and the bounds hiredis 0.14's reader lacks.
struct RESPParserTests {
    func parse(_ text: String) throws(RedisError) -> RedisReply? {
        let result = Array(text.utf8).withUnsafeBytes { bytes in
            Result { () throws(RedisError) in try RedisConnection.decode(bytes) }
        }
        return try result.get()
    }

    @Test func everyReplyTypeIsRead() throws {
        #expect(try parse("+OK\r\n") == .status("OK"))
        #expect(try parse("-WRONGPASS invalid username-password pair\r\n") == .error(code: "WRONGPASS"))
        #expect(try parse(":-42\r\n") == .integer(-42))
        #expect(try parse("$5\r\nhe\r\no\r\n") == .string("he\r\no"))
        #expect(try parse("$-1\r\n") == .null)
        #expect(try parse("*-1\r\n") == .null)
        #expect(try parse("*2\r\n$4\r\nuser\r\n*1\r\n:7\r\n") == .array([.string("user"), .array([.integer(7)])]))
    }

    @Test func aPartialReplyAsksForMore() throws {
        for partial in ["", "+O", "+OK\r", "$5\r\nhel", "*2\r\n:1\r\n", "*1\r\n$3\r\nab"] {
            #expect(try parse(partial) == nil, "\(partial.debugDescription)")
        }
    }

    @Test(arguments: [
        "*1658890063\r\n", "*1025\r\n", "$99999999999999999999\r\n",
        "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n",
        "?x\r\n", ":12a\r\n", "+OK\n", "+OK\rX", "$3\r\nabcd\r\n", ":\r\n", "*-2\r\n",
    ])
    func malformedOrOversizedRepliesAreRefusedBeforeAnyAllocation(_ text: String) {
        #expect(throws: RedisError(.malformedReply, "")) { try parse(text) }
    }

    @Test func theRefusalNamesTheBoundNotTheBytes() {
        do {
            _ = try parse("-CANARYsecret-42 \r\n*9999999\r\n")
            _ = try parse("*9999999\r\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("more than 1024 elements") && !error.description.contains("9999999"))
        }
    }
}
