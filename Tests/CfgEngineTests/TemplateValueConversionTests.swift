import CfgSecure
import CfgTemplate
import Foundation
import Testing

@testable import CfgEngine

struct TemplateValueConversionTests {
    /// A payload as templates see it, parsed once as the resolver does.
    func value(_ payload: String, name: String = "db") -> TemplateValue {
        let secret = Secret(copying: payload)
        let document = try? SecureJSON(parsing: secret, maxDepth: SecretResolver.maximumDepth)
        return TemplateValue(payload: secret, document: document, name: name)
    }

    @Test func anObjectBecomesASortedMapOfSecretValues() {
        let payload = """
            {"port": 5432, "ratio": 1.5, "whole": 5432.0, "exp": 1e3, "on": true, "off": false, "none": null,
             "list": [1, "a", [true]], "nested": {"b": 1, "a": "x"}, "password": "p\\u00e9\\n"}
            """
        let origin = SecretOrigin(secret: "db", key: "password")
        let expected = TemplateValue.map(
            TemplateMap([
                ("exp", .integer(1000, secret: true)),
                (
                    "list",
                    .list([.integer(1, secret: true), .string("a", secret: true), .list([.bool(true, secret: true)])])
                ),
                ("nested", .map(TemplateMap([("a", .string("x", secret: true)), ("b", .integer(1, secret: true))]))),
                ("none", .null),
                ("off", .bool(false, secret: true)),
                ("on", .bool(true, secret: true)),
                ("password", .string("pé\n", secret: true, origin: origin)),
                ("port", .integer(5432, secret: true)),
                ("ratio", .double(1.5, secret: true)),
                ("whole", .integer(5432, secret: true)),
            ])
        )
        #expect(value(payload) == expected)
    }

    @Test(arguments: [
        "plain text", " {\"a\": 1}", "[1, 2]", "\"a string\"", "{\"a\": 1e400}", "{\"a\": 1,}", "{\"a\":1,\"a\":2}",
    ])
    func anythingButAnObjectIsOneSecretString(_ payload: String) {
        #expect(value(payload, name: "s") == .string(payload, secret: true, origin: SecretOrigin(secret: "s")))
    }

    /// Payloads whose conversion must not change from the `JSONDecoder` reading it replaces.
    static let corpus: [String] = [
        #"{"a":1}"#,
        "{}",
        #"{"n":[0,-0,1.0,1e3,1E-3,1.5,-0.25,2.5e+10,0.1,1.10,1e-400,-1e-400,0e5,-0e0,1.0000000000000001,100e-2]}"#,
        #"{"big":[9007199254740993,9007199254740993.0,9223372036854775807,9223372036854775808,-9223372036854775808]}"#,
        #"{"big":[-9223372036854775809,12345678901234567890123,123456789012345678e2,1e16,1.7976931348623157e308]}"#,
        #"{"small":[4e-320,1e-310,2.2250738585072014e-308,5e-324]}"#,
        #"{"s":"\u00e9\ud83d\ude00\n\"\\\/","t":true,"f":false,"z":null,"e":""}"#,
        #"{"z":{"y":{"x":[{"b":2,"a":1}],"w":[]}},"a":[[[]]],"m":{"2":0,"10":1,"B":2,"a":3,"é":4}}"#,
        "plain text",
        " {\"a\":1}",
        "[1,2]",
        "\"a\"",
        "{\"a\":1e400}",
        "{\"a\":" + String(repeating: "[", count: 511) + String(repeating: "]", count: 511) + "}",
        "{\"a\":" + String(repeating: "[", count: 512) + String(repeating: "]", count: 512) + "}",
    ]

    @Test(arguments: corpus)
    func conversionIsWhatJSONDecoderGave(_ payload: String) {
        #expect(value(payload, name: "s") == LegacyConversion.value(Secret(copying: payload), name: "s"))
    }
}

/// The conversion this file's subject replaced (Foundation's `JSONDecoder`, then a walk of its result), kept here
/// only as the reference the new one must match.
private enum LegacyConversion {
    static func value(_ payload: Secret, name: String) -> TemplateValue {
        let object: JSONValue? = payload.withUnsafeBytes { bytes in
            guard bytes.first == UInt8(ascii: "{") else { return nil }
            return try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        }
        if case .object(let members)? = object {
            return .map(
                TemplateMap(members.map { ($0.key, value($0.value, origin: SecretOrigin(secret: name, key: $0.key))) })
            )
        }
        return .string(payload.stringValue() ?? "", secret: true, origin: SecretOrigin(secret: name))
    }

    static func value(_ json: JSONValue, origin: SecretOrigin?) -> TemplateValue {
        switch json {
        case .string(let text): .string(text, secret: true, origin: origin)
        case .integer(let number): .integer(number, secret: true)
        case .double(let number): .double(number, secret: true)
        case .bool(let flag): .bool(flag, secret: true)
        case .null: .null
        case .array(let items): .list(items.map { value($0, origin: nil) })
        case .object(let members): .map(TemplateMap(members.map { ($0.key, value($0.value, origin: nil)) }))
        }
    }

    indirect enum JSONValue: Decodable {
        case string(String)
        case integer(Int)
        case double(Double)
        case bool(Bool)
        case null
        case array([JSONValue])
        case object([(key: String, value: JSONValue)])

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            if let keyed = try? decoder.container(keyedBy: Key.self) {
                let keys = keyed.allKeys.sorted { $0.stringValue < $1.stringValue }
                self = .object(try keys.map { ($0.stringValue, try keyed.decode(JSONValue.self, forKey: $0)) })
                return
            }
            if var unkeyed = try? decoder.unkeyedContainer() {
                var items: [JSONValue] = []
                while !unkeyed.isAtEnd { items.append(try unkeyed.decode(JSONValue.self)) }
                self = .array(items)
                return
            }
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                self = .null
            } else if let flag = try? single.decode(Bool.self) {
                self = .bool(flag)
            } else if let number = try? single.decode(Int.self) {
                self = .integer(number)
            } else if let number = try? single.decode(Double.self) {
                self = .double(number)
            } else {
                self = .string(try single.decode(String.self))
            }
        }
    }
}
