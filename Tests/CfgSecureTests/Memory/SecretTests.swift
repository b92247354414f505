import CfgSecure
import Testing

struct SecretTests {
    @Test func holdsTheBytesItWasGiven() {
        let secret = Secret(bytes: [1, 2, 3, 255])
        #expect(secret.count == 4)
        #expect(!secret.isEmpty)
        #expect(secret.withUnsafeBytes { Array($0) } == [1, 2, 3, 255])
    }

    @Test func copiesAStringAsUTF8() {
        let secret = Secret(copying: "pässword")
        #expect(secret.count == "pässword".utf8.count)
        #expect(secret.stringValue() == "pässword")
    }

    @Test func emptySecretIsEmpty() {
        let secret = Secret(bytes: [])
        #expect(secret.isEmpty)
        #expect(secret.count == 0)
        #expect(secret.withUnsafeBytes { $0.count } == 0)
        #expect(secret.stringValue() == "")
        #expect(secret == Secret(copying: ""))
    }

    @Test func stringValueIsNilForInvalidUTF8() {
        #expect(Secret(bytes: [0xff, 0xfe]).stringValue() == nil)
    }

    @Test func initializerFillsInPlace() {
        let secret = Secret(count: 3) { buffer in
            buffer.copyBytes(from: [7, 8, 9])
        }
        #expect(secret.withUnsafeBytes { Array($0) } == [7, 8, 9])
    }

    @Test func initializerPropagatesErrors() {
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            _ = try Secret(count: 8) { _ in throw Boom() }
        }
    }

    @Test func descriptionIsRedacted() {
        let secret = Secret(copying: canary)
        #expect(secret.description == "<REDACTED>")
        #expect(secret.debugDescription == "<REDACTED>")
        #expect(String(describing: secret) == "<REDACTED>")
        #expect(String(reflecting: secret) == "<REDACTED>")
        #expect("\(secret)" == "<REDACTED>")
        #expect("\([secret])" == "[<REDACTED>]")
    }

    @Test func mirrorAndDumpNeverShowTheBytes() {
        let secret = Secret(copying: canary)
        let children = Mirror(reflecting: secret).children.map { String(describing: $0.value) }
        #expect(children == ["<REDACTED>"])
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(dumped.contains("<REDACTED>"))
        #expect(!dumped.contains(canary))
        #expect(!dumped.contains("CANARY"))
    }

    @Test func equalityComparesBytes() {
        #expect(Secret(copying: "abc") == Secret(copying: "abc"))
        #expect(Secret(copying: "abc") != Secret(copying: "abd"))
        #expect(Secret(copying: "abc") != Secret(copying: "abcd"))
        #expect(Secret(copying: "") != Secret(copying: "a"))
    }

    @Test func isSendableAcrossTasks() async {
        let secret = Secret(copying: "shared")
        let values = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<8 {
                group.addTask { secret.stringValue() }
            }
            var results: [String?] = []
            for await value in group {
                results.append(value)
            }
            return results
        }
        #expect(values == Array(repeating: "shared", count: 8))
    }
}
