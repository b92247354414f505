import CfgRotation
import CfgSecure
import Testing

/// `new,k1,…` for Airflow's `fernet_key`: order, `keep`, pruning only when confirmed, never an empty entry.
struct FernetKeyListTests {
    /// A distinct, valid key text per letter (43 Base64 characters and `=`).
    static func key(_ letter: Character) -> String { String(repeating: letter, count: 43) + "=" }
    static let new = key("N")
    static let k1 = key("a")
    static let k2 = key("b")
    static let k3 = key("c")

    func compose(
        _ current: String,
        keep: Int = 2,
        confirmed: Bool = false,
        new: String = FernetKeyListTests.new
    ) throws(RotationError) -> (String, FernetKeyList.Composition) {
        let composition = try FernetKeyList.compose(
            newKey: Secret(copying: new),
            current: Secret(copying: current),
            keep: keep,
            pruneConfirmed: confirmed
        )
        return (composition.value.stringValue() ?? "", composition)
    }

    @Test func theNewKeyGoesFirstAndTheOldOnesKeepTheirOrder() throws {
        let (value, composition) = try compose("\(Self.k1),\(Self.k2)", keep: 3)
        #expect(value == "\(Self.new),\(Self.k1),\(Self.k2)")
        #expect(composition.keyCount == 3 && composition.dropped == 0 && !composition.overLimit)
    }

    @Test func anEmptyCurrentValueGivesTheNewKeyAlone() throws {
        for current in ["", "  ", "\n"] {
            let (value, composition) = try compose(current)
            #expect(value == Self.new && composition.keyCount == 1)
        }
    }

    @Test func keysBeyondKeepAreDroppedOnlyWhenPruningIsConfirmed() throws {
        let current = "\(Self.k1),\(Self.k2),\(Self.k3)"
        let (kept, unconfirmed) = try compose(current, keep: 2, confirmed: false)
        #expect(kept == "\(Self.new),\(Self.k1),\(Self.k2),\(Self.k3)")
        #expect(unconfirmed.dropped == 0 && unconfirmed.overLimit && unconfirmed.keyCount == 4)

        let (pruned, confirmed) = try compose(current, keep: 2, confirmed: true)
        #expect(pruned == "\(Self.new),\(Self.k1)")
        #expect(confirmed.dropped == 2 && !confirmed.overLimit && confirmed.keyCount == 2)

        let (alone, one) = try compose(current, keep: 1, confirmed: true)
        #expect(alone == Self.new && one.dropped == 3)
    }

    @Test func pruningKeepsTheNewestKeysAndCountsTheDropped() throws {
        let current = Secret(copying: " \(Self.k1),\(Self.k2) ,\(Self.k3)")
        #expect(try FernetKeyList.keyCount(of: current) == 3)
        let two = try FernetKeyList.pruned(current, keep: 2)
        #expect(two.value.stringValue() == "\(Self.k1),\(Self.k2)" && two.dropped == 1 && two.keyCount == 2)
        let all = try FernetKeyList.pruned(current, keep: 5)
        #expect(all.value.stringValue() == "\(Self.k1),\(Self.k2),\(Self.k3)" && all.dropped == 0)
        #expect(throws: RotationError(.invalidKeep, "")) { try FernetKeyList.pruned(current, keep: 0) }
        #expect(throws: RotationError(.malformedFernetKeyList, "")) {
            try FernetKeyList.pruned(Secret(copying: "\(Self.k1),,\(Self.k2)"), keep: 1)
        }
    }

    @Test func spacesAroundKeysAreTrimmedAndNoEntryIsEmpty() throws {
        let (value, _) = try compose(" \(Self.k1) ,\n\(Self.k2)\n", keep: 3)
        #expect(value == "\(Self.new),\(Self.k1),\(Self.k2)")
        #expect(!value.contains(",,") && !value.hasSuffix(",") && !value.contains(" "))
    }

    @Test(arguments: ["\(key("a")),", "\(key("a")),,\(key("b"))", ",\(key("a"))", "\(key("a")), ,\(key("b"))"])
    func anEmptyEntryInTheCurrentValueIsAnError(current: String) {
        #expect(throws: RotationError(.malformedFernetKeyList, "")) { try compose(current) }
    }

    @Test(arguments: ["not-a-key", String(repeating: "a", count: 44), String(repeating: "+", count: 43) + "="])
    func aMalformedKeyIsAnErrorThatDoesNotEchoIt(canary: String) throws {
        let current = "\(Self.k1),\(canary)"
        let error = try #require(throws: RotationError.self) { try compose(current) }
        #expect(error.code == .malformedFernetKeyList)
        #expect(error.description.contains("Entry 2"))
        #expect(!error.description.contains(canary) && !error.description.contains(Self.k1))
    }

    @Test func aMalformedNewKeyIsAnError() throws {
        let error = try #require(throws: RotationError.self) { try compose(Self.k1, new: "short-canary") }
        #expect(error.code == .invalidFernetKey && !error.description.contains("short-canary"))
    }

    @Test func keepBelowOneIsAnError() {
        #expect(throws: RotationError(.invalidKeep, "")) { try compose(Self.k1, keep: 0, confirmed: true) }
    }

    @Test func aGeneratedKeyIsAccepted() throws {
        let composition = try FernetKeyList.compose(
            newKey: FernetKey.generate(),
            current: Secret(copying: Self.k1),
            keep: 2,
            pruneConfirmed: false
        )
        #expect(composition.keyCount == 2 && composition.value.count == 44 * 2 + 1)
        #expect(composition.value.description == "<REDACTED>")
    }
}
