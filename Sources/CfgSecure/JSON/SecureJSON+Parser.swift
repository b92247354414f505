extension SecureJSON {
    /// The strict, iterative RFC 8259 parser behind ``SecureJSON/init(parsing:maxDepth:)``.
    ///
    /// Open containers live on an explicit stack rather than the call stack, so `maxDepth` is the only limit
    /// on nesting. It validates everything (UTF-8, escapes, number grammar, duplicate keys) in one pass and
    /// records byte ranges; the only bytes it copies are object keys, which are not secret.
    struct Parser {
        private let bytes: UnsafeRawBufferPointer
        private let maxDepth: Int
        private var position = 0
        /// Every value, in the order its first byte was reached (so the root is first).
        private(set) var records: [Record] = []
        /// Members of containers, appended as each container closes.
        private(set) var children: [Int] = []

        /// An object or array that is still open.
        private struct Frame {
            var record: Int
            var isObject: Bool
            var members: [Int] = []
            /// Objects: the unescaped keys seen so far, compared byte for byte: a list while the object is small
            /// (most have a few keys, and hashing each key cost more than comparing), a set once it has more.
            var keys: [[UInt8]] = []
            /// Empty until the keys move here.
            var keySet: Set<[UInt8]> = []
            /// Objects: the key of the value being parsed.
            var pendingKey: String?

            /// Keys an object holds in a list before they move to a set.
            static let listedKeys = 16

            /// Records `key`; false when the object already has it.
            mutating func insert(key: [UInt8]) -> Bool {
                if !keySet.isEmpty {
                    return keySet.insert(key).inserted
                }
                guard !keys.contains(key) else { return false }
                keys.append(key)
                if keys.count > Frame.listedKeys {
                    keySet = Set(keys)
                    keys = []
                }
                return true
            }
        }

        init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        /// Parses the whole input as one JSON value with optional surrounding whitespace.
        mutating func parseDocument() throws(SecureJSONError) {
            var stack: [Frame] = []
            while true {
                // A value starts here: the root, the first member of a container, or one after a comma.
                skipWhitespace()
                guard position < bytes.count else { throw failure("unexpected end of input, expected a value") }
                var completed: Int
                switch bytes[position] {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    let isObject = bytes[position] == UInt8(ascii: "{")
                    guard stack.count < maxDepth else { throw failure("nesting deeper than \(maxDepth) levels") }
                    stack.append(Frame(record: records.count, isObject: isObject))
                    records.append(Record(kind: isObject ? .object : .array, start: position, end: position))
                    position += 1
                    skipWhitespace()
                    if atByte(isObject ? "}" : "]") {
                        position += 1
                        completed = close(&stack)
                    } else {
                        if isObject { try readKey(into: &stack[stack.count - 1]) }
                        continue
                    }
                case UInt8(ascii: "\""):
                    completed = try readString()
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    completed = try readNumber()
                case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                    completed = try readLiteral()
                default:
                    throw failure("expected a value")
                }
                // Hand the value to its container; close containers as long as their closing bracket follows.
                while true {
                    guard !stack.isEmpty else {
                        skipWhitespace()
                        guard position == bytes.count else { throw failure("unexpected data after the JSON value") }
                        return
                    }
                    let top = stack.count - 1
                    records[completed].key = stack[top].pendingKey
                    stack[top].pendingKey = nil
                    stack[top].members.append(completed)
                    let isObject = stack[top].isObject
                    skipWhitespace()
                    guard position < bytes.count else {
                        throw failure(isObject ? "unterminated object" : "unterminated array")
                    }
                    switch bytes[position] {
                    case UInt8(ascii: ","):
                        position += 1
                        skipWhitespace()
                        if atByte(isObject ? "}" : "]") {
                            throw failure(isObject ? "trailing comma before '}'" : "trailing comma before ']'")
                        }
                        if isObject { try readKey(into: &stack[top]) }
                    case UInt8(ascii: isObject ? "}" : "]"):
                        position += 1
                        completed = close(&stack)
                        continue
                    default:
                        throw failure(
                            isObject
                                ? "expected ',' or '}' after an object member"
                                : "expected ',' or ']' after an array element"
                        )
                    }
                    break  // A comma: the next value follows.
                }
            }
        }

        /// Closes the innermost container (its closing bracket has just been consumed) and returns its record.
        private mutating func close(_ stack: inout [Frame]) -> Int {
            let frame = stack.removeLast()
            records[frame.record].end = position
            records[frame.record].childStart = children.count
            records[frame.record].childCount = frame.members.count
            children.append(contentsOf: frame.members)
            return frame.record
        }

        /// Reads `"key"` and the `:` after it, rejecting a key the object already has.
        private mutating func readKey(into frame: inout Frame) throws(SecureJSONError) {
            guard atByte("\"") else {
                throw failure(position < bytes.count ? "expected a string key" : "unterminated object")
            }
            let start = position
            let decodedCount = try scanString()
            // Keys are not secret, so an ordinary array is fine here.
            let key = [UInt8](unsafeUninitializedCapacity: decodedCount) { output, count in
                SecureJSON.unescape(
                    bytes,
                    from: start + 1,
                    to: position - 1,
                    into: UnsafeMutableRawBufferPointer(output)
                )
                count = decodedCount
            }
            let name = String(decoding: key, as: UTF8.self)
            guard frame.insert(key: key) else { throw .duplicateKey(name, at: start) }
            frame.pendingKey = name
            skipWhitespace()
            guard atByte(":") else {
                throw failure("expected ':' after an object key")
            }
            position += 1
        }

        /// Reads a string value and records it.
        private mutating func readString() throws(SecureJSONError) -> Int {
            let start = position
            let decodedCount = try scanString()
            return record(.string, from: start, decodedCount: decodedCount)
        }

        /// Validates the string whose opening quote is at `position`, moves past its closing quote and returns
        /// its length once unescaped.
        private mutating func scanString() throws(SecureJSONError) -> Int {
            let start = position
            var offset = position + 1
            var decodedCount = 0
            while true {
                guard offset < bytes.count else {
                    throw SecureJSONError(offset: start, reason: "unterminated string")
                }
                let byte = bytes[offset]
                switch byte {
                case UInt8(ascii: "\""):
                    position = offset + 1
                    return decodedCount
                case UInt8(ascii: "\\"):
                    let (length, decoded) = try scanEscape(at: offset, stringStart: start)
                    offset += length
                    decodedCount += decoded
                case 0x00..<0x20:
                    throw SecureJSONError(offset: offset, reason: "unescaped control character in a string")
                case 0x20..<0x80:
                    offset += 1
                    decodedCount += 1
                default:
                    guard let length = SecureJSON.utf8SequenceLength(bytes, at: offset) else {
                        throw SecureJSONError(offset: offset, reason: "invalid UTF-8 in a string")
                    }
                    offset += length
                    decodedCount += length
                }
            }
        }

        /// Validates the escape whose backslash is at `offset`; returns its length in the source and once decoded.
        private func scanEscape(at offset: Int, stringStart: Int) throws(SecureJSONError) -> (Int, Int) {
            guard offset + 1 < bytes.count else {
                throw SecureJSONError(offset: stringStart, reason: "unterminated string")
            }
            switch bytes[offset + 1] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                return (2, 1)
            case UInt8(ascii: "u"):
                guard let unit = SecureJSON.codeUnit(bytes, at: offset + 2) else {
                    throw SecureJSONError(offset: offset, reason: "invalid \\u escape (expected four hex digits)")
                }
                switch unit {
                case 0xd800...0xdbff:
                    // A high surrogate must be followed at once by an escaped low surrogate.
                    guard offset + 7 < bytes.count, bytes[offset + 6] == UInt8(ascii: "\\"),
                        bytes[offset + 7] == UInt8(ascii: "u"),
                        let low = SecureJSON.codeUnit(bytes, at: offset + 8), (0xdc00...0xdfff).contains(low)
                    else {
                        throw SecureJSONError(offset: offset, reason: "unpaired surrogate in a \\u escape")
                    }
                    return (12, 4)
                case 0xdc00...0xdfff:
                    throw SecureJSONError(offset: offset, reason: "unpaired surrogate in a \\u escape")
                default:
                    return (6, SecureJSON.utf8Length(of: unit))
                }
            default:
                throw SecureJSONError(offset: offset, reason: "invalid escape sequence")
            }
        }

        /// Reads a number per the RFC 8259 grammar and records it.
        private mutating func readNumber() throws(SecureJSONError) -> Int {
            let start = position
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard isDigit() else { throw failure("expected a digit after '-'") }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
                if isDigit() { throw failure("a number must not have a leading zero") }
            } else {
                skipDigits()
            }
            if atByte(".") {
                position += 1
                guard isDigit() else { throw failure("expected a digit after the decimal point") }
                skipDigits()
            }
            if atByte("e") || atByte("E") {
                position += 1
                if atByte("+") || atByte("-") {
                    position += 1
                }
                guard isDigit() else { throw failure("expected a digit in the exponent") }
                skipDigits()
            }
            return record(.number, from: start)
        }

        /// Reads `true`, `false` or `null` and records it.
        private mutating func readLiteral() throws(SecureJSONError) -> Int {
            let start = position
            let (word, kind): (StaticString, Node.Kind) =
                switch bytes[start] {
                case UInt8(ascii: "t"): ("true", .bool)
                case UInt8(ascii: "f"): ("false", .bool)
                default: ("null", .null)
                }
            let length = word.utf8CodeUnitCount
            guard start + length <= bytes.count,
                UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)])
                    .elementsEqual(UnsafeRawBufferPointer(start: word.utf8Start, count: length))
            else {
                throw failure("invalid literal (expected true, false or null)")
            }
            position += length
            return record(kind, from: start)
        }

        /// Appends a record for the value from `start` to the current position and returns its index.
        private mutating func record(_ kind: Node.Kind, from start: Int, decodedCount: Int = 0) -> Int {
            records.append(Record(kind: kind, start: start, end: position, decodedCount: decodedCount))
            return records.count - 1
        }

        /// Whether the byte at the current position is `scalar` (false at the end of the input).
        private func atByte(_ scalar: Unicode.Scalar) -> Bool {
            position < bytes.count && bytes[position] == UInt8(ascii: scalar)
        }

        private func isDigit() -> Bool {
            position < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position])
        }

        private mutating func skipDigits() {
            while isDigit() { position += 1 }
        }

        /// Skips the four whitespace bytes RFC 8259 allows: space, tab, line feed, carriage return.
        private mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0a, 0x0d: position += 1
                default: return
                }
            }
        }

        /// An error at the current position.
        private func failure(_ reason: String) -> SecureJSONError {
            SecureJSONError(offset: position, reason: reason)
        }
    }
}
