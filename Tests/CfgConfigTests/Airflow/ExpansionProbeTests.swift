import Testing

@testable import CfgConfig

struct ExpansionProbeTests {
    static func password(_ classes: [CharacterClass] = CharacterClass.allCases, exclude: String = "") -> GeneratorSpec {
        .password(PasswordPolicy(length: 32, classes: classes, exclude: exclude))
    }

    /// A generator, and whether any of its values can hold `$NAME`/`${NAME}` or start as `~` does.
    static let cases: [(String, GeneratorSpec, expandable: Bool)] = [
        ("strong", password(), true),
        ("uri-safe", .password(PasswordPolicy.uriSafe(length: 32)), false),
        ("strong without $ and ~", password(exclude: "$~"), false),
        ("strong without ~", password(exclude: "~"), true),
        ("strong without $", password(exclude: "$"), true),
        (
            "symbols and lower, without $ / and letters but a",
            password([.lower, .symbols], exclude: "$/bcdefghijklmnopqrstuvwxyz"), true
        ),
        ("fernet", .fernet, false),
        ("base64 bytes", .bytes(length: 32, encoding: .base64), false),
        ("base64url bytes", .bytes(length: 32, encoding: .base64url), false),
        ("hex bytes", .bytes(length: 32, encoding: .hex), false),
    ]

    @Test(arguments: cases.indices)
    func probesExistExactlyForAlphabetsThatCanExpandAndUseOnlyTheirCharacters(_ index: Int) {
        let (_, spec, expandable) = Self.cases[index]
        let alphabet = ExpansionProbe.alphabet(of: spec)
        let probes = ExpansionProbe.probes(alphabet: alphabet)
        #expect(probes.isEmpty == !expandable, "\(Self.cases[index].0)")
        for probe in probes {
            #expect(probe.allSatisfy(alphabet.contains), "\(probe)")
            #expect(AirflowExpansion.mayAlter(probe), "\(probe)")
        }
    }

    @Test func theStrongAlphabetGivesEveryFormAndAHomeProbeThatSurvivesURLEncoding() {
        let probes = ExpansionProbe.probes(alphabet: ExpansionProbe.alphabet(of: Self.password()))
        #expect(probes.count == 2)
        #expect(AirflowExpansion.forms(in: probes[0]) == [.home, .variable, .bracedVariable])
        // `~` and a letter or digit: unreserved in a URI, so `| urlencode` leaves them as they are.
        let home = probes[1]
        #expect(home.hasPrefix("~") && home.dropFirst().allSatisfy { $0.isLetter || $0.isNumber })
    }

    @Test func excludeRemovesCharactersFromTheAlphabet() {
        let alphabet = ExpansionProbe.alphabet(of: Self.password(exclude: "$~{}"))
        #expect(!alphabet.contains("$") && !alphabet.contains("~") && alphabet.contains("a") && alphabet.contains("!"))
        #expect(ExpansionProbe.probes(alphabet: alphabet).isEmpty)
    }
}
