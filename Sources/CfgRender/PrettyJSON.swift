/// JSON written the way Foundation's `JSONEncoder` writes it with `[.sortedKeys, .withoutEscapingSlashes,
/// .prettyPrinted]` (two-space indentation, `"key" : value`, keys in byte order, `"`, `\`, and control characters
/// escaped, everything else as UTF-8), without its generic `Encodable` machinery, which dominated the cost of
/// rendering a task definition. `PrettyJSONTests` compares the two on hostile text.
package indirect enum PrettyJSON: Sendable {
    case object([(String, PrettyJSON)])
    case array([PrettyJSON])
    case string(String)
    case integer(Int)
    case bool(Bool)

    /// The document's text (without a final newline, as `JSONEncoder`).
    package var text: String {
        var output: [UInt8] = []
        output.reserveCapacity(4096)
        write(into: &output, indent: 0)
        return String(decoding: output, as: UTF8.self)
    }

    private func write(into output: inout [UInt8], indent: Int) {
        switch self {
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            let sorted = members.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            Self.writeItems(sorted.count, into: &output, indent: indent) { index, output in
                Self.writeString(sorted[index].0, into: &output)
                output.append(contentsOf: " : ".utf8)
                sorted[index].1.write(into: &output, indent: indent + 2)
            }
            output.append(UInt8(ascii: "}"))
        case .array(let items):
            output.append(UInt8(ascii: "["))
            Self.writeItems(items.count, into: &output, indent: indent) { index, output in
                items[index].write(into: &output, indent: indent + 2)
            }
            output.append(UInt8(ascii: "]"))
        case .string(let text):
            Self.writeString(text, into: &output)
        case .integer(let value):
            output.append(contentsOf: String(value).utf8)
        case .bool(let value):
            output.append(contentsOf: (value ? "true" : "false").utf8)
        }
    }

    /// The items of a collection, one per line, indented one level deeper; an empty collection is an empty line.
    private static func writeItems(
        _ count: Int,
        into output: inout [UInt8],
        indent: Int,
        item: (Int, inout [UInt8]) -> Void
    ) {
        output.append(0x0A)
        for index in 0..<count {
            output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent + 2))
            item(index, &output)
            if index < count - 1 { output.append(UInt8(ascii: ",")) }
            output.append(0x0A)
        }
        if count == 0 { output.append(0x0A) }
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent))
    }

    private static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        defer { output.append(UInt8(ascii: "\"")) }
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            output.append(contentsOf: text.utf8)
            return
        }
        let hex = Array("0123456789abcdef".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: output += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: output += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: output += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x08: output += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0C: output += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0x00..<0x20:
                output += Array("\\u00".utf8)
                output += [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default: output.append(byte)
            }
        }
    }
}
