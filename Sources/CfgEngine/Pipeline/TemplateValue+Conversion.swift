package import CfgConfig
package import CfgSecure
package import CfgTemplate
import Foundation

extension TemplateValue {
    /// A plain value from the environment file (never secret).
    init(_ value: ConfigValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .integer(let number): self = .integer(number)
        case .double(let number): self = .double(number)
        case .bool(let flag): self = .bool(flag)
        case .null: self = .null
        case .list(let items): self = .list(items.map(TemplateValue.init))
        case .map(let entries): self = .map(TemplateMap(entries.map { ($0.key, TemplateValue($0.value)) }))
        }
    }

    /// A secret's payload as templates see it: a JSON object becomes a map of secret values, anything else a
    /// secret string. Top-level string values keep their origin so renderers can deliver them by reference.
    ///
    /// The parsed strings are Swift copies of the payload that cannot be zeroed (SECURITY.md).
    init(payload: Secret, name: String) {
        let object: JSONValue? = payload.withUnsafeBytes { bytes in
            guard bytes.first == UInt8(ascii: "{") else { return nil }
            return try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        }
        if case .object(let members)? = object {
            let entries = members.map { key, value in
                (key, TemplateValue(json: value, origin: SecretOrigin(secret: name, key: key)))
            }
            self = .map(TemplateMap(entries))
        } else {
            self = .string(payload.stringValue() ?? "", secret: true, origin: SecretOrigin(secret: name))
        }
    }

    /// A JSON value from a secret, marked secret.
    private init(json: JSONValue, origin: SecretOrigin?) {
        switch json {
        case .string(let text): self = .string(text, secret: true, origin: origin)
        case .integer(let number): self = .integer(number, secret: true)
        case .double(let number): self = .double(number, secret: true)
        case .bool(let flag): self = .bool(flag, secret: true)
        case .null: self = .null
        case .array(let items): self = .list(items.map { TemplateValue(json: $0, origin: nil) })
        case .object(let members):
            self = .map(TemplateMap(members.map { ($0.key, TemplateValue(json: $0.value, origin: nil)) }))
        }
    }
}

/// A JSON document as decoded from a secret payload; object members sorted by key for determinism.
enum JSONValue: Decodable {
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
