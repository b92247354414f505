/// A strict RESP2 reader for the replies the Redis target gets, with bounds hiredis 0.14's reader does not have.
///
/// hiredis 0.14 allocates an array reply's element table from the count the server sends (`*1658890063` asks for
/// 13 GB) before any element arrives, and has no limit on nesting or bulk lengths; the fuzz target found that in its
/// first minutes. The target's replies are small (`+OK`, `+PONG`, `ACL GETUSER`'s few dozen elements), so this reader
/// refuses anything larger before it allocates: at most ``maxElements`` elements in one array, ``maxDepth`` levels,
/// a bulk string within the bytes received (which ``RedisConnection`` caps at ``RedisConnection/maxReplyBytes``).
enum RESPParser {
    /// The most elements one array reply may announce.
    static let maxElements = 1_024
    /// The most levels of arrays inside arrays.
    static let maxDepth = 8

    /// The first reply in `bytes`, and how many bytes it took; nil when `bytes` hold only the start of a reply.
    ///
    /// - Throws: ``RedisError`` `.malformedReply` for bytes that are not RESP2 or past a bound (the sentence names
    ///   the bound, never the bytes).
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(RedisError) -> (reply: RedisReply, consumed: Int)? {
        var index = 0
        guard let reply = try value(bytes, &index, depth: 0) else { return nil }
        return (reply, index)
    }

    private static func value(
        _ bytes: UnsafeRawBufferPointer,
        _ index: inout Int,
        depth: Int
    ) throws(RedisError) -> RedisReply? {
        guard index < bytes.count else { return nil }
        let type = bytes[index]
        guard let line = try line(bytes, from: index + 1) else { return nil }
        let content = UnsafeRawBufferPointer(rebasing: bytes[line])
        let next = line.upperBound + 2
        switch type {
        case UInt8(ascii: "+"):
            index = next
            return .status(String(decoding: content, as: UTF8.self))
        case UInt8(ascii: "-"):
            index = next
            return .error(code: RedisReply.errorCode(of: content))
        case UInt8(ascii: ":"):
            index = next
            return .integer(try integer(content))
        case UInt8(ascii: "$"):
            let length = try integer(content)
            guard length >= -1, length <= Int64(bytes.count) else { throw malformed("a bulk length out of range") }
            guard length >= 0 else {
                index = next
                return .null
            }
            let end = next + Int(length)
            guard end + 2 <= bytes.count else { return nil }
            guard bytes[end] == UInt8(ascii: "\r"), bytes[end + 1] == UInt8(ascii: "\n") else {
                throw malformed("a bulk string without its CRLF")
            }
            index = end + 2
            return .string(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[next..<end]), as: UTF8.self))
        case UInt8(ascii: "*"):
            let count = try integer(content)
            guard count >= -1, count <= Int64(maxElements) else {
                throw malformed("an array of more than \(maxElements) elements")
            }
            guard count >= 0 else {
                index = next
                return .null
            }
            guard depth < maxDepth else { throw malformed("arrays nested more than \(maxDepth) deep") }
            var position = next
            var elements: [RedisReply] = []
            elements.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let element = try value(bytes, &position, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            index = position
            return .array(elements)
        default:
            throw malformed("an unknown reply type")
        }
    }

    /// The range of the line starting at `start`, up to (not including) its CRLF; nil when no CRLF has arrived.
    private static func line(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(RedisError) -> Range<Int>? {
        var index = start
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\r") {
                guard index + 1 < bytes.count else { return nil }
                guard bytes[index + 1] == UInt8(ascii: "\n") else { throw malformed("a CR without LF") }
                return start..<index
            }
            if bytes[index] == UInt8(ascii: "\n") { throw malformed("an LF without CR") }
            index += 1
        }
        return nil
    }

    /// A decimal integer line (`-1`, `42`), at most 19 digits.
    private static func integer(_ content: UnsafeRawBufferPointer) throws(RedisError) -> Int64 {
        var digits = content[...]
        var negative = false
        if digits.first == UInt8(ascii: "-") {
            negative = true
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.count <= 18 else { throw malformed("an integer out of range") }
        var value: Int64 = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { throw malformed("a malformed integer") }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return negative ? -value : value
    }

    private static func malformed(_ what: String) -> RedisError {
        RedisError(.malformedReply, "a reply with \(what)")
    }
}
