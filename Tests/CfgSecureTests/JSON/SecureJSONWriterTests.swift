import CfgSecure
import CfgTestSupport
import Foundation
import Testing

struct SecureJSONWriterTests {
    @Test func writesCompactJSONWithSeparators() {
        let writer = SecureJSONWriter()
        writer.beginObject()
        writer.key("a")
        writer.number(1)
        writer.key("b")
        writer.beginArray()
        writer.bool(true)
        writer.bool(false)
        writer.null()
        writer.string("x")
        writer.endArray()
        writer.key("c")
        writer.beginObject()
        writer.endObject()
        writer.key("d")
        writer.beginArray()
        writer.endArray()
        writer.key("e")
        writer.number(Int.min)
        writer.endObject()
        let expected = #"{"a":1,"b":[true,false,null,"x"],"c":{},"d":[],"e":-9223372036854775808}"#
        #expect(writer.finish().stringValue() == expected)
    }

    @Test func escapesOnlyWhatRFC8259Requires() throws {
        let text = "\"\\/\u{8}\u{c}\n\r\t\u{0}\u{1}\u{1f}\u{7f}é\u{2028}😀"
        let expected = #""\"\\/\b\f\n\r\t\u0000\u0001\u001f"# + "\u{7f}é\u{2028}😀\""
        let plain = SecureJSONWriter()
        plain.string(text)
        #expect(plain.finish().stringValue() == expected)
        let secret = SecureJSONWriter()
        try secret.string(Secret(copying: text))
        #expect(secret.finish().stringValue() == expected)
        let keyed = SecureJSONWriter()
        keyed.beginObject()
        keyed.key(text)
        keyed.null()
        keyed.endObject()
        #expect(keyed.finish().stringValue() == "{" + expected + ":null}")
    }

    static let hostile: [String] = [
        #"she said "hi""#,
        #"C:\new\table\\"#,
        #"\"#,
        #"\u0000 is not an escape here"#,
        String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }),
        "$HOME ${PASSWORD} $(id) `id` %s %n %% %{x}",
        "👩‍👩‍👧‍👦🔑 𝄞",
        "密码 パスワード 비밀번호",
        "nul\u{0}inside",
        "\u{0}",
        "line\u{2028}sep\u{2029}bom\u{feff}",
        "</script><!--",
        "{\"not\":\"json\"}",
        "",
        SecureJSONTests.canary,
    ]

    @Test(arguments: hostile)
    func hostileSecretStringsRoundTrip(value: String) throws {
        let writer = SecureJSONWriter()
        writer.beginObject()
        writer.key(value)
        try writer.string(Secret(copying: value))
        writer.key("after")
        writer.beginArray()
        try writer.string(Secret(copying: value))
        writer.endArray()
        writer.endObject()
        let document = writer.finish()

        let json = try SecureJSON(parsing: document)
        #expect(json.root.members.map(\.key) == [value, "after"])
        #expect(json.root[value]?.secretString() == Secret(copying: value))
        #expect(json.root["after"]?.elements.first?.secretString() == Secret(copying: value))

        let bytes = document.withUnsafeBytes { Array($0) }
        let oracle = try #require(try SecureJSONOracle.foundation(bytes) as? [String: Any])
        #expect((oracle[value] as? String).map { Array($0.utf8) } == Array(value.utf8))
    }

    @Test func everyControlCharacterRoundTripsAlone() throws {
        for byte in UInt8(0)..<0x20 {
            let writer = SecureJSONWriter()
            try writer.string(Secret(bytes: [byte]))
            let json = try SecureJSON(parsing: writer.finish())
            #expect(json.root.secretString() == Secret(bytes: [byte]), "control character \(byte)")
        }
    }

    @Test func invalidUTF8SecretIsRejectedWithItsOffsetAndNothingIsWritten() throws {
        let writer = SecureJSONWriter()
        writer.beginArray()
        for invalid: [UInt8] in [[0x61, 0x62, 0xff], [0x61, 0xc3], [0x61, 0x62, 0x63, 0xed, 0xa0, 0x80]] {
            let error = #expect(throws: SecureJSONError.self) {
                try writer.string(Secret(bytes: invalid))
            }
            #expect(error?.offset == invalid.count - (invalid.last == 0x80 ? 3 : 1))
            #expect(error?.reason == "a string value is not valid UTF-8")
        }
        writer.string("ok")
        writer.endArray()
        #expect(writer.finish().stringValue() == #"["ok"]"#)
    }

    @Test func rawSplicesAValidatedValueWithoutSurroundingWhitespace() throws {
        let writer = SecureJSONWriter()
        writer.beginObject()
        writer.key("data")
        try writer.raw(Secret(copying: " {\"x\": [1, 2.5e3]}\n"))
        let error = #expect(throws: SecureJSONError.self) {
            try writer.raw(Secret(copying: "{\"x\": [1, ]}"))
        }
        #expect(error?.offset == 10)
        writer.key("n")
        try writer.raw(Secret(copying: "null"))
        writer.endObject()
        #expect(writer.finish().stringValue() == #"{"data":{"x": [1, 2.5e3]},"n":null}"#)
    }

    @Test func rawNodeSplicesTheSourceBytes() throws {
        let response = try SecureJSON(parsing: Secret(copying: SecureJSONTests.vaultResponse))
        let data = try #require(response.root.at("data", "data"))
        let writer = SecureJSONWriter()
        writer.beginObject()
        writer.key("data")
        writer.raw(data)
        writer.key("options")
        writer.beginObject()
        writer.key("cas")
        writer.number(3)
        writer.endObject()
        writer.endObject()
        #expect(writer.finish().stringValue() == #"{"data":{"password":"p@ss"},"options":{"cas":3}}"#)
    }

    @Test func objectHelperWritesSecretsAsStrings() throws {
        let body = try SecureJSON.object([("user", Secret(copying: "app")), ("password", Secret(copying: "p\"w\\"))])
        #expect(body.stringValue() == #"{"user":"app","password":"p\"w\\"}"#)
        #expect(SecureJSON.isObject(body))
        #expect(try SecureJSON.object([]).stringValue() == "{}")
        #expect(throws: SecureJSONError(offset: 0, reason: "a string value is not valid UTF-8")) {
            try SecureJSON.object([("k", Secret(bytes: [0x80]))])
        }
    }

    @Test func topLevelScalarsAreDocuments() throws {
        let text = SecureJSONWriter()
        text.string("x")
        #expect(text.finish().stringValue() == #""x""#)
        let number = SecureJSONWriter()
        number.number(-7)
        #expect(number.finish().stringValue() == "-7")
    }

    @Test func printedFormsAreRedacted() throws {
        let writer = SecureJSONWriter()
        try writer.string(Secret(copying: SecureJSONTests.canary))
        let document = writer.finish()
        #expect(!"\(document)".contains("CANARY"))
        #expect(document.stringValue()?.contains("CANARY") == true)
    }

    @Test func finishingAnUnbalancedDocumentStops() async {
        await #expect(processExitsWith: .failure) {
            let writer = SecureJSONWriter()
            writer.beginObject()
            _ = writer.finish()
        }
    }

    @Test func aValueWithoutAKeyStops() async {
        await #expect(processExitsWith: .failure) {
            let writer = SecureJSONWriter()
            writer.beginObject()
            writer.number(1)
        }
    }

    @Test func aRepeatedKeyStops() async {
        await #expect(processExitsWith: .failure) {
            let writer = SecureJSONWriter()
            writer.beginObject()
            writer.key("a")
            writer.number(1)
            writer.key("a")
        }
    }

    @Test func writingAfterFinishStops() async {
        await #expect(processExitsWith: .failure) {
            let writer = SecureJSONWriter()
            writer.null()
            _ = writer.finish()
            writer.null()
        }
    }

    /// Random documents written by Foundation are read by `SecureJSON` as Foundation reads them, and
    /// rewritten by `SecureJSONWriter` into documents Foundation reads back as the same value.
    @Test func randomDocumentsRoundTripThroughParserAndWriter() throws {
        var generator = SplitMix64(seed: 0x5EC0_4E75_0000_0001)
        let optionSets: [JSONSerialization.WritingOptions] = [
            [.fragmentsAllowed], [.fragmentsAllowed, .prettyPrinted], [.fragmentsAllowed, .sortedKeys],
            [.fragmentsAllowed, .withoutEscapingSlashes],
        ]
        for round in 0..<400 {
            let value = RandomJSON.value(depth: round % 5 == 0 ? 3 : 0, using: &generator)
            let options = optionSets[round % optionSets.count]
            let source = Array(try JSONSerialization.data(withJSONObject: value, options: options))
            let oracle = try SecureJSONOracle.foundation(source)

            let json = try SecureJSON(parsing: Secret(bytes: source))
            #expect(SecureJSONOracle.node(json.root, matches: oracle), "round \(round)")

            let writer = SecureJSONWriter()
            try rewrite(json.root, into: writer)
            let rewritten = writer.finish()
            let reread = try SecureJSONOracle.foundation(rewritten.withUnsafeBytes { Array($0) })
            #expect(SecureJSONOracle.equal(reread, oracle), "round \(round)")
            #expect(SecureJSONOracle.node(try SecureJSON(parsing: rewritten).root, matches: oracle), "round \(round)")
        }
    }

    /// Writes `node` again, value by value, with the writer's own calls.
    private func rewrite(_ node: SecureJSON.Node, into writer: SecureJSONWriter) throws {
        switch node.kind {
        case .object:
            writer.beginObject()
            for (key, value) in node.members {
                writer.key(key)
                try rewrite(value, into: writer)
            }
            writer.endObject()
        case .array:
            writer.beginArray()
            for element in node.elements {
                try rewrite(element, into: writer)
            }
            writer.endArray()
        case .string:
            try writer.string(try #require(node.secretString()))
        case .number:
            if let integer = node.int() {
                writer.number(integer)
            } else {
                try writer.raw(node.rawBytes())
            }
        case .bool:
            writer.bool(try #require(node.bool() as Bool?))
        case .null:
            writer.null()
        }
    }
}

/// Random Foundation values for `JSONSerialization`.
private enum RandomJSON {
    static func value(depth: Int, using generator: inout SplitMix64) -> Any {
        let choice = depth >= 4 ? Int.random(in: 2..<8, using: &generator) : Int.random(in: 0..<8, using: &generator)
        switch choice {
        case 0:
            var object: [String: Any] = [:]
            for _ in 0..<Int.random(in: 0..<6, using: &generator) {
                object[string(using: &generator)] = value(depth: depth + 1, using: &generator)
            }
            return object
        case 1:
            return (0..<Int.random(in: 0..<6, using: &generator)).map { _ in
                value(depth: depth + 1, using: &generator)
            }
        case 2, 3:
            return string(using: &generator)
        case 4:
            switch Int.random(in: 0..<10, using: &generator) {
            case 0: return Int.max
            case 1: return Int.min
            default: return Int.random(in: -1_000_000_000_000...1_000_000_000_000, using: &generator)
            }
        case 5:
            let mantissa = Double.random(in: -1...1, using: &generator)
            return mantissa * pow(10, Double(Int.random(in: -40...40, using: &generator)))
        case 6:
            return Bool.random(using: &generator)
        default:
            return NSNull()
        }
    }

    /// Up to 12 scalars drawn from ASCII, control characters, JSON punctuation, the BMP and astral planes.
    static func string(using generator: inout SplitMix64) -> String {
        let ranges: [ClosedRange<UInt32>] = [
            0x20...0x7e, 0x00...0x1f, 0x22...0x22, 0x5c...0x5c, 0x2f...0x2f, 0xa0...0xd7ff, 0xe000...0xfffd,
            0x1f300...0x1faff, 0x10000...0x10ffff,
        ]
        var result = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...12, using: &generator) {
            let range = ranges[Int.random(in: 0..<ranges.count, using: &generator)]
            if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &generator)) {
                result.append(scalar)
            }
        }
        return String(result)
    }
}
