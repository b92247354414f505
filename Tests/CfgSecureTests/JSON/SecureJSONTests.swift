import CfgSecure
import Foundation
import Testing

struct SecureJSONTests {
    /// A distinctive value that must never appear in an error or a printed form.
    static let canary = "CANARY-json-s3cr3t-Zq9"

    static let vaultResponse = """
        {"request_id":"6c1a8d02-3f2e-4b1c-9a7d-2f1e0c9b8a71","lease_id":"","renewable":false,"lease_duration":0,\
        "data":{"data":{"password":"p@ss"},"metadata":{"version":3,"custom_metadata":null}},"warnings":null}
        """

    @Test func vaultResponseFieldsAreReachable() throws {
        let json = try SecureJSON(parsing: Secret(copying: Self.vaultResponse))
        let root = json.root
        #expect(root.kind == .object)
        #expect(root.at("data", "data", "password")?.secretString() == Secret(copying: "p@ss"))
        #expect(root["request_id"]?.text() == "6c1a8d02-3f2e-4b1c-9a7d-2f1e0c9b8a71")
        #expect(root["lease_id"]?.text() == "")
        #expect(root["renewable"]?.bool() == false)
        #expect(root["lease_duration"]?.int() == 0)
        #expect(root.at("data", "metadata", "version")?.int() == 3)
        #expect(root.at("data", "metadata", "custom_metadata")?.isNull == true)
        #expect(root["warnings"]?.isNull == true)
        #expect(
            root.members.map(\.key) == ["request_id", "lease_id", "renewable", "lease_duration", "data", "warnings"]
        )
        #expect(root.at("data", "missing") == nil)
        #expect(root.at() != nil)
    }

    /// Documents both parsers must read the same way.
    static let corpus: [String] = [
        vaultResponse,
        #"{"html":"\u003cscript\u003ealert(1)\u003c/script\u003e \u0026 \u003e"}"#,
        #"{"ARN":"arn:aws:secretsmanager:eu-west-1:1:secret:db-AbCdEf","Name":"db","SecretString":"{\"password\":\"x\"}","VersionId":"v1","VersionStages":["AWSCURRENT"],"CreatedDate":1.523477145713E9}"#,
        "  [1, -1, 0, -0, 1.5, -0.25, 1e3, 1E-3, 2.5e+10, 123456789012345, 9007199254740993]\r\n\t",
        #"["", "\"", "\\", "\/", "\b\f\n\r\t", "\u0000\u001f", "\u00e9\u4e2d\uD83D\uDE00", "é中😀"]"#,
        #"{"a":{"b":{"c":[[],[{}],{"d":[true,false,null]}]}}}"#,
        #""a lone string""#, "42", "-3.25e-2", "true", "false", "null", "{}", "[]",
        #"{"a b":1,"\u0041":2,"":3,"key\u0000nul":4}"#,
    ]

    @Test(arguments: corpus)
    func agreesWithFoundation(document: String) throws {
        let json = try SecureJSON(parsing: Secret(copying: document))
        let oracle = try SecureJSONOracle.foundation(Array(document.utf8))
        #expect(SecureJSONOracle.node(json.root, matches: oracle))
    }

    @Test func goEscapesDecode() throws {
        let json = try SecureJSON(parsing: Secret(copying: #"{"v":"\u003cb\u003e \u0026 \u003C/b\u003E"}"#))
        #expect(json.root["v"]?.secretString() == Secret(copying: "<b> & </b>"))
    }

    @Test func escapesAndSurrogatePairsDecodeToUTF8() throws {
        let json = try SecureJSON(
            parsing: Secret(
                copying: #"["\ud83d\ude00", "\uD834\uDD1E", "\"\\\/\b\f\n\r\t", "a\u0000b", "\u00e9\u20ac"]"#
            )
        )
        let decoded = json.root.elements.compactMap { $0.secretString()?.withUnsafeBytes { Array($0) } }
        #expect(
            decoded == [
                [0xf0, 0x9f, 0x98, 0x80], [0xf0, 0x9d, 0x84, 0x9e], Array("\"\\/\u{8}\u{c}\n\r\t".utf8),
                [0x61, 0, 0x62],
                Array("é€".utf8),
            ]
        )
        #expect(json.root.elements.map { $0.text() } == ["😀", "𝄞", "\"\\/\u{8}\u{c}\n\r\t", "a\u{0}b", "é€"])
    }

    @Test func rawBytesIsTheExactSourceSlice() throws {
        let nested = "{ \"user\" : \"app\",\n  \"password\":\"p\\u0040ss\", \"list\": [1 , 2] }"
        let document = "{\"data\":  \(nested) , \"n\": 1}"
        let json = try SecureJSON(parsing: Secret(copying: document))
        let node = try #require(json.root["data"])
        #expect(node.rawBytes() == Secret(copying: nested))
        let start = document.utf8.count - nested.utf8.count - " , \"n\": 1}".utf8.count
        #expect(node.byteRange == start..<(start + nested.utf8.count))
        #expect(json.root.rawBytes() == Secret(copying: document))
        #expect(node["password"]?.rawBytes() == Secret(copying: "\"p\\u0040ss\""))
        #expect(node["password"]?.secretString() == Secret(copying: "p@ss"))
    }

    @Test func membersKeepDocumentOrderAndKeysCompareUnescapedBytes() throws {
        let json = try SecureJSON(parsing: Secret(copying: #"{"b":1,"a":2,"\u0063":3,"\u00e9":4,"e\u0301":5}"#))
        let root = json.root
        #expect(root.members.map(\.key) == ["b", "a", "c", "é", "e\u{301}"])
        #expect(root.members.compactMap { $0.value.int() } == [1, 2, 3, 4, 5])
        #expect(root["c"]?.int() == 3)
        #expect(root["é"]?.int() == 4)
        #expect(root["e\u{301}"]?.int() == 5)
    }

    @Test func accessorsReturnNothingForOtherKinds() throws {
        let json = try SecureJSON(parsing: Secret(copying: #"{"n":1.5,"s":"x","a":[1],"o":{},"t":true}"#))
        let root = json.root
        #expect(root["n"]?.int() == nil)
        #expect(root["n"]?.text() == nil)
        #expect(root["n"]?.bool() == nil)
        #expect(root["s"]?.int() == nil)
        #expect(root["t"]?.secretString() == nil)
        #expect(root.secretString() == nil)
        #expect(root.elements.isEmpty)
        #expect(root["a"]?.members.isEmpty == true)
        #expect(root["a"]?["0"] == nil)
        #expect(root["s"]?.isNull == false)
        #expect(root["a"]?.elements.count == 1)
        #expect(root["o"]?.members.isEmpty == true)
        #expect(root["t"]?.bool() == true)
    }

    @Test(
        arguments: [
            ("0", 0), ("-0", 0), ("42", 42), ("-17", -17),
            ("9223372036854775807", Int.max), ("-9223372036854775808", Int.min),
            ("9223372036854775808", nil), ("-9223372036854775809", nil),
            ("1.0", nil), ("1e2", nil), ("\"1\"", nil), ("true", nil),
        ] as [(String, Int?)]
    )
    func intAcceptsOnlyIntegersThatFit(document: String, expected: Int?) throws {
        #expect(try SecureJSON(parsing: Secret(copying: document)).root.int() == expected)
    }

    /// A document the parser must reject, with the offset it must report.
    struct Reject: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var offset: Int
        /// Foundation is lenient about some of these (trailing commas, duplicate keys, a BOM, depth 65).
        var foundationRejects: Bool

        init(_ name: String, _ text: String, at offset: Int, foundationRejects: Bool = true) {
            self.init(name, Array(text.utf8), at: offset, foundationRejects: foundationRejects)
        }

        init(_ name: String, _ bytes: [UInt8], at offset: Int, foundationRejects: Bool = true) {
            self.name = name
            self.bytes = bytes
            self.offset = offset
            self.foundationRejects = foundationRejects
        }

        var testDescription: String { name }
    }

    static let rejects: [Reject] = [
        Reject("trailing comma in an array", "[1,2,]", at: 5, foundationRejects: false),
        Reject("trailing comma in an object", #"{"a":1,}"#, at: 7, foundationRejects: false),
        Reject("leading zero", "[01]", at: 2),
        Reject("leading zero after minus", "-012", at: 2),
        Reject("plus sign", "+1", at: 0),
        Reject("NaN", "[NaN]", at: 1),
        Reject("Infinity", "-Infinity", at: 1),
        Reject("fraction without digits", "1.", at: 2),
        Reject("fraction without integer part", "[.5]", at: 1),
        Reject("exponent without digits", "1e+", at: 3),
        Reject("unescaped tab in a string", "[\"a\tb\"]", at: 3),
        Reject("unescaped line feed in a key", "{\"a\nb\":1}", at: 3),
        Reject("invalid UTF-8 byte", [0x5b, 0x22, 0x61, 0xff, 0x22, 0x5d], at: 3),
        Reject("overlong UTF-8", [0x22, 0xc0, 0xaf, 0x22], at: 1),
        Reject("UTF-8 encoded surrogate", [0x22, 0xed, 0xa0, 0x80, 0x22], at: 1),
        Reject("truncated UTF-8 sequence", [0x22, 0x61, 0xe2, 0x82, 0x22], at: 2),
        Reject("byte order mark", [0xef, 0xbb, 0xbf, 0x31], at: 0, foundationRejects: false),
        Reject("lone high surrogate", #"["\ud800"]"#, at: 2),
        Reject("lone low surrogate", #""x\udc00""#, at: 2),
        Reject("high surrogate before a non-surrogate", #""\ud800\u0041""#, at: 1),
        Reject("short \u{5c}u escape", #""\u12""#, at: 1),
        Reject("invalid escape", #""a\x""#, at: 2),
        Reject("unterminated string", #"{"a":"abc"#, at: 5),
        Reject("unterminated key", #"{"abc"#, at: 1),
        Reject("unterminated array", "[1,2", at: 4),
        Reject("unterminated object", #"{"a":1"#, at: 6),
        Reject(
            "depth exceeded",
            String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
            at: 64,
            foundationRejects: false
        ),
        Reject("trailing garbage", "[1] x", at: 4),
        Reject("two documents", "{} {}", at: 3),
        Reject("duplicate key", #"{"password":"a","password":"b"}"#, at: 16, foundationRejects: false),
        Reject("duplicate key written with an escape", #"{"ab":1,"\u0061b":2}"#, at: 8, foundationRejects: false),
        Reject("empty document", "", at: 0),
        Reject("whitespace only", " \n\t\r", at: 4),
        Reject("missing colon", #"{"a" 1}"#, at: 5),
        Reject("key that is not a string", "{1:2}", at: 1),
        Reject("missing comma", "[1 2]", at: 3),
        Reject("truncated literal", "tru", at: 0),
        Reject("misspelt literal", "[nul]", at: 1),
        Reject("single quotes", "['a']", at: 1),
        Reject("vertical tab as whitespace", "\u{b}1", at: 0),
    ]

    @Test(arguments: rejects)
    func rejectsWithTheOffsetOfTheProblem(reject: Reject) throws {
        let error = #expect(throws: SecureJSONError.self) {
            _ = try SecureJSON(parsing: Secret(bytes: reject.bytes))
        }
        #expect(error?.offset == reject.offset)
        #expect(error?.description.hasPrefix("invalid JSON at byte \(reject.offset): ") == true)
        if reject.foundationRejects {
            #expect(throws: (any Error).self) { try SecureJSONOracle.foundation(reject.bytes) }
        }
        #expect(!SecureJSON.isObject(Secret(bytes: reject.bytes)))
    }

    @Test func reasonsAreSpecific() {
        func failure(_ text: String, maxDepth: Int = 64) -> SecureJSONError? {
            do {
                _ = try SecureJSON(parsing: Secret(copying: text), maxDepth: maxDepth)
                return nil
            } catch {
                return error
            }
        }
        #expect(failure(#"{"a" 1}"#) == SecureJSONError(offset: 5, reason: "expected ':' after an object key"))
        #expect(failure(#"{"a" 1}"#)?.description == "invalid JSON at byte 5: expected ':' after an object key")
        #expect(failure(#"{"pw":1,"pw":2}"#) == SecureJSONError(offset: 8, reason: "duplicate key 'pw'"))
        #expect(failure("[1,]") == SecureJSONError(offset: 3, reason: "trailing comma before ']'"))
        #expect(failure("01") == SecureJSONError(offset: 1, reason: "a number must not have a leading zero"))
        #expect(failure("[[1]]", maxDepth: 1) == SecureJSONError(offset: 1, reason: "nesting deeper than 1 levels"))
        #expect(failure("\"\u{1}\"") == SecureJSONError(offset: 1, reason: "unescaped control character in a string"))
        #expect(failure(#""\udfff""#) == SecureJSONError(offset: 1, reason: "unpaired surrogate in a \u{5c}u escape"))
        // A hostile key cannot forge a second line in a log.
        #expect(failure(#"{"a\nb":1,"a\nb":2}"#)?.reason == #"duplicate key 'a\u{a}b'"#)
    }

    /// Small objects compare keys in a list, larger ones in a set: a duplicate is found on both sides of the switch.
    @Test(arguments: [1, 2, 15, 16, 17, 18, 40])
    func aDuplicateKeyIsFoundAfterAnyNumberOfDistinctKeys(distinct: Int) throws {
        let keys = (0..<distinct).map { "key\($0)" }
        let members = keys.map { "\"\($0)\":1" }
        let whole = try SecureJSON(parsing: Secret(copying: "{" + members.joined(separator: ",") + "}"), maxDepth: 4)
        #expect(whole.root.members.count == distinct)
        for repeated in [keys[0], keys[distinct / 2], keys[distinct - 1]] {
            let text = "{" + (members + ["\"\(repeated)\":2"]).joined(separator: ",") + "}"
            let offset = text.utf8.count - "\"\(repeated)\":2}".utf8.count
            #expect(throws: SecureJSONError(offset: offset, reason: "duplicate key '\(repeated)'")) {
                try SecureJSON(parsing: Secret(copying: text), maxDepth: 4)
            }
        }
    }

    @Test func depthLimitIsConfigurableAndDeepInputCannotOverflowTheStack() throws {
        #expect(try SecureJSON(parsing: Secret(copying: "[[1]]"), maxDepth: 2).root.elements.count == 1)
        #expect(try SecureJSON(parsing: Secret(copying: "7"), maxDepth: 0).root.int() == 7)
        #expect(throws: SecureJSONError(offset: 0, reason: "nesting deeper than 0 levels")) {
            try SecureJSON(parsing: Secret(copying: "[]"), maxDepth: 0)
        }
        let depth = 100_000
        let deep = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: SecureJSONError(offset: 64, reason: "nesting deeper than 64 levels")) {
            try SecureJSON(parsing: Secret(copying: deep))
        }
        var node = try SecureJSON(parsing: Secret(copying: deep), maxDepth: depth).root
        var levels = 1
        while let inner = node.elements.first {
            node = inner
            levels += 1
        }
        #expect(levels == depth)
    }

    @Test func errorDescriptionsNeverContainAValue() {
        let canary = Self.canary
        let documents = [
            #"{"password":"\#(canary)","x":01}"#,
            #"{"password":"\#(canary)","x":[1,]}"#,
            "{\"password\":\"\(canary)\u{1}\"}",
            #"{"password":"\#(canary)\q"}"#,
            #"{"password":"\#(canary)\ud800"}"#,
            #"{"password":"\#(canary)"#,
            #"{"password":"\#(canary)","password":"\#(canary)"}"#,
            #"{"password":"\#(canary)"} \#(canary)"#,
            #"{"password":\#(canary)}"#,
        ]
        for document in documents {
            let error = #expect(throws: SecureJSONError.self) {
                _ = try SecureJSON(parsing: Secret(copying: document))
            }
            let shown = [error?.description, error?.reason, error.map { String(reflecting: $0) }].compactMap { $0 }
            #expect(shown.count == 3)
            for text in shown {
                #expect(!text.contains("CANARY") && !text.contains("s3cr3t"))
            }
        }
    }

    @Test func printedFormsAreRedacted() throws {
        let json = try SecureJSON(parsing: Secret(copying: #"{"password":"\#(Self.canary)"}"#))
        let node = try #require(json.root["password"])
        var dumped = ""
        dump(json, to: &dumped)
        dump(node, to: &dumped)
        let texts = [String(describing: json), String(reflecting: json), "\(node)", String(reflecting: node), dumped]
        for text in texts {
            #expect(!text.contains("CANARY"))
        }
        #expect("\(node)" == "SecureJSON.Node(string, bytes 12..<36)")
    }

    @Test func isObjectChecksTheRootKind() {
        #expect(SecureJSON.isObject(Secret(copying: " {\"a\":[]} ")))
        #expect(SecureJSON.isObject(Secret(copying: "{}")))
        #expect(!SecureJSON.isObject(Secret(copying: "[{}]")))
        #expect(!SecureJSON.isObject(Secret(copying: "\"{}\"")))
        #expect(!SecureJSON.isObject(Secret(copying: "plain text secret")))
        #expect(!SecureJSON.isObject(Secret(copying: "")))
    }
}

/// Foundation's `JSONSerialization` as an independent reading of the same bytes (tests only: it copies
/// everything into ordinary memory).
enum SecureJSONOracle {
    /// Foundation's parse of `bytes`, top-level scalars allowed.
    static func foundation(_ bytes: [UInt8]) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)
    }

    /// Whether Foundation's number is a boolean (`__NSCFBoolean` reports the `char` type).
    static func isBool(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    /// Whether a parsed node holds the same value as Foundation's parse of the same document.
    static func node(_ node: SecureJSON.Node, matches value: Any) -> Bool {
        switch node.kind {
        case .object:
            guard let object = value as? [String: Any], object.count == node.members.count else { return false }
            return node.members.allSatisfy { member in
                object[member.key].map { self.node(member.value, matches: $0) } ?? false
            }
        case .array:
            guard let array = value as? [Any], array.count == node.elements.count else { return false }
            return zip(node.elements, array).allSatisfy { self.node($0, matches: $1) }
        case .string:
            guard let text = value as? String, let secret = node.secretString() else { return false }
            return secret.withUnsafeBytes { Array($0) } == Array(text.utf8)
        case .number:
            guard let number = value as? NSNumber, !isBool(number), let text = node.rawBytes().stringValue() else {
                return false
            }
            if let integer = node.int(), !["d", "f"].contains(String(cString: number.objCType)) {
                return number.int64Value == Int64(integer)
            }
            // swift-corelibs-foundation's parser is not correctly rounded (seen: 5 ULPs off `Double(text)`).
            guard let mine = Double(text) else { return false }
            let theirs = number.doubleValue
            return mine == theirs || abs(mine - theirs) <= abs(mine) * 1e-13
        case .bool:
            guard let number = value as? NSNumber, isBool(number) else { return false }
            return number.boolValue == node.bool()
        case .null:
            return value is NSNull
        }
    }

    /// Whether two Foundation parses hold the same value (strings compared by their UTF-8 bytes).
    static func equal(_ left: Any, _ right: Any) -> Bool {
        switch (left, right) {
        case (let left as [String: Any], let right as [String: Any]):
            return left.count == right.count
                && left.allSatisfy { key, value in right[key].map { equal(value, $0) } ?? false }
        case (let left as [Any], let right as [Any]):
            return left.count == right.count && zip(left, right).allSatisfy { equal($0, $1) }
        case (let left as String, let right as String):
            return Array(left.utf8) == Array(right.utf8)
        case (let left as NSNumber, let right as NSNumber):
            return isBool(left) == isBool(right) && left.doubleValue == right.doubleValue
                && left.int64Value == right.int64Value
        case (is NSNull, is NSNull):
            return true
        default:
            return false
        }
    }
}
