/// One Redis reply (RESP2), as far as the rotation target needs it.
///
/// No reply to the commands the target sends carries a secret value, except an error reply that echoes a failing
/// `ACL SETUSER` modifier; so an error keeps only its first word (its code), and the C reply is zeroed before it is
/// freed (``RedisConnection``).
package enum RedisReply: Sendable, Hashable {
    /// A simple string (`+OK`, `+PONG`).
    case status(String)
    /// An error reply: only its first word (`WRONGPASS`, `NOPERM`, `ERR`).
    case error(code: String)
    /// An integer reply.
    case integer(Int64)
    /// A bulk string (decoded as UTF-8, invalid sequences replaced).
    case string(String)
    /// An array reply.
    case array([RedisReply])
    /// A null bulk string or null array.
    case null

    /// The first word of an error message, if it looks like an error code (letters, digits, `_` and `-`, at most 32
    /// characters); `ERR` otherwise. Nothing after the first space is ever read.
    static func errorCode(of message: UnsafeRawBufferPointer) -> String {
        var code = ""
        for byte in message {
            if byte == UInt8(ascii: " ") {
                break
            }
            let isCodeByte =
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            guard isCodeByte, code.utf8.count < 32 else {
                return "ERR"
            }
            code.unicodeScalars.append(Unicode.Scalar(byte))
        }
        return code.isEmpty ? "ERR" : code
    }
}
