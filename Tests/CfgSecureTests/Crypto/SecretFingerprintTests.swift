import CfgSecure
import Testing

struct SecretFingerprintTests {
    @Test func isStableForOneKey() {
        let fingerprinter = SecretFingerprint(key: Secret(copying: "fixed key"))
        let first = fingerprinter.fingerprint("hunter2")
        #expect(first == fingerprinter.fingerprint("hunter2"))
        #expect(first == fingerprinter.fingerprint(Secret(copying: "hunter2")))
        #expect(first != fingerprinter.fingerprint("hunter3"))
    }

    @Test func hasTheDocumentedShape() {
        let value = SecretFingerprint(key: Secret(copying: "k")).fingerprint("v")
        #expect(value.hasPrefix("fp:"))
        #expect(value.count == 13)
        #expect(value.dropFirst(3).allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test func isTheTruncatedHMAC() {
        let key = Secret(copying: "Jefe")
        let expected =
            "fp:"
            + String(Hex.encode(HMACSHA256.authenticate("what do ya want for nothing?".utf8, key: key)).prefix(10))
        #expect(SecretFingerprint(key: key).fingerprint("what do ya want for nothing?") == expected)
        #expect(expected == "fp:5bdcc146bf")
    }

    @Test func differsPerKey() {
        let first = SecretFingerprint()
        let second = SecretFingerprint()
        #expect(first.fingerprint(canary) != second.fingerprint(canary))
    }

    @Test func neverContainsTheValue() {
        let fingerprint = SecretFingerprint().fingerprint(Secret(copying: canary))
        #expect(!fingerprint.contains(canary))
        #expect(!fingerprint.contains("CANARY"))
    }
}
