extension SecureJSON {
    /// One value in a parsed document: a position in the index, not a copy.
    ///
    /// Accessors that do not apply to the value's kind return `nil` (or an empty list). Secret content
    /// leaves the document only through ``secretString()`` and ``rawBytes()``, into new secure memory.
    package struct Node: Sendable {
        /// The kinds of JSON value.
        package enum Kind: Sendable, Hashable {
            case object, array, string, number, bool, null
        }

        private let storage: Storage
        private let index: Int

        init(storage: Storage, index: Int) {
            self.storage = storage
            self.index = index
        }

        private var record: Record { storage.records[index] }

        /// The kind of value.
        package var kind: Kind { record.kind }

        /// Where the value sits in the document, in bytes (for strings, including the quotes).
        ///
        /// Offsets are not secret; use them to point at a field in an error.
        package var byteRange: Range<Int> {
            let record = record
            return record.start..<record.end
        }

        /// Whether the value is `null`.
        package var isNull: Bool { record.kind == .null }

        /// The member named `key` of an object; `nil` if this is not an object or has no such member.
        ///
        /// Keys are compared by their unescaped UTF-8 bytes (no Unicode normalisation), as RFC 8259
        /// section 8.3 recommends.
        package subscript(key: String) -> Node? {
            let record = record
            guard record.kind == .object else { return nil }
            for slot in record.childStart..<(record.childStart + record.childCount) {
                let child = storage.children[slot]
                if let name = storage.records[child].key, name.utf8.elementsEqual(key.utf8) {
                    return Node(storage: storage, index: child)
                }
            }
            return nil
        }

        /// Follows object keys from this value: `root.at("data", "data")` is `root["data"]?["data"]`.
        package func at(_ path: String...) -> Node? {
            at(path)
        }

        /// Follows object keys from this value; the empty path is this value.
        package func at(_ path: [String]) -> Node? {
            var node: Node? = self
            for key in path {
                node = node?[key]
            }
            return node
        }

        /// An object's members in document order; empty for anything else.
        package var members: [(key: String, value: Node)] {
            let record = record
            guard record.kind == .object else { return [] }
            return storage.children[record.childStart..<(record.childStart + record.childCount)].map { child in
                (key: storage.records[child].key ?? "", value: Node(storage: storage, index: child))
            }
        }

        /// An array's elements in order; empty for anything else.
        package var elements: [Node] {
            let record = record
            guard record.kind == .array else { return [] }
            return storage.children[record.childStart..<(record.childStart + record.childCount)].map { child in
                Node(storage: storage, index: child)
            }
        }

        /// The exact bytes of this value as written, in new secure memory (for splicing into another document).
        package func rawBytes() -> Secret {
            withUnsafeRawBytes { bytes in
                Secret(count: bytes.count) { output in output.copyMemory(from: bytes) }
            }
        }

        /// Calls `body` with this value's bytes as written in the document, without a copy.
        func withUnsafeRawBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
            let record = record
            return storage.source.withUnsafeBytes { source in
                body(UnsafeRawBufferPointer(rebasing: source[record.start..<record.end]))
            }
        }

        /// A string value, unescaped (`\uXXXX` and surrogate pairs become UTF-8), in new secure memory;
        /// `nil` if this is not a string.
        package func secretString() -> Secret? {
            let record = record
            guard record.kind == .string else { return nil }
            return storage.source.withUnsafeBytes { source in
                Secret(count: record.decodedCount) { output in
                    SecureJSON.unescape(source, from: record.start + 1, to: record.end - 1, into: output)
                }
            }
        }

        /// A string value as an ordinary `String`; `nil` if this is not a string.
        ///
        /// Only for non-secret fields (ids, error messages, timestamps): a `String` cannot be zeroed.
        package func text() -> String? {
            let record = record
            guard record.kind == .string else { return nil }
            return storage.source.withUnsafeBytes { source in
                String(unsafeUninitializedCapacity: record.decodedCount) { output in
                    SecureJSON.unescape(
                        source,
                        from: record.start + 1,
                        to: record.end - 1,
                        into: UnsafeMutableRawBufferPointer(output)
                    )
                    return record.decodedCount
                }
            }
        }

        /// An integer-valued number that fits `Int` (no fraction, no exponent); `nil` otherwise.
        package func int() -> Int? {
            let record = record
            guard record.kind == .number else { return nil }
            return storage.source.withUnsafeBytes { source in
                var offset = record.start
                let negative = source[offset] == UInt8(ascii: "-")
                if negative { offset += 1 }
                var value = 0
                while offset < record.end {
                    let byte = source[offset]
                    guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                    let digit = Int(byte - UInt8(ascii: "0"))
                    // Accumulate towards the sign so that Int.min is representable.
                    let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
                    let (next, overflowB) =
                        negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
                    guard !overflowA, !overflowB else { return nil }
                    value = next
                    offset += 1
                }
                return value
            }
        }

        /// A number as a `Double` (`1581968848.921`); `nil` if this is not a number. Only for non-secret fields
        /// (timestamps, sizes).
        package func double() -> Double? {
            guard record.kind == .number else { return nil }
            return withUnsafeRawBytes { bytes in Double(String(decoding: bytes, as: UTF8.self)) }
        }

        /// A `true` or `false` value; `nil` for anything else.
        package func bool() -> Bool? {
            let record = record
            guard record.kind == .bool else { return nil }
            return storage.source.withUnsafeBytes { source in source[record.start] == UInt8(ascii: "t") }
        }
    }
}

extension SecureJSON.Node: CustomStringConvertible, CustomReflectable {
    /// The kind and byte range, never the content.
    package var description: String {
        "SecureJSON.Node(\(kind), bytes \(byteRange.lowerBound)..<\(byteRange.upperBound))"
    }

    /// A mirror without children, so `dump` and debuggers never see the value.
    package var customMirror: Mirror {
        Mirror(self, children: [:], displayStyle: .struct)
    }
}
