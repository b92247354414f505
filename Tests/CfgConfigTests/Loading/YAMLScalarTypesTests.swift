import Testing
import Yams

@testable import CfgConfig

/// cfg's plain-scalar typing and composer against Yams (cfg's reader before issue 16): the same tag, the same
/// values, the same tree, for every YAML 1.1 form Yams' `Resolver.default` knows and their edge cases.
struct YAMLScalarTypesTests {
    static let forms: [String] = [
        // null
        "", "~", "null", "Null", "NULL", "nULL", "NuLL", "nul", "~~", "None",
        // bool
        "yes", "Yes", "YES", "yEs", "no", "No", "NO", "nO", "true", "True", "TRUE", "tRUE", "false", "False",
        "FALSE", "fALSE", "on", "On", "ON", "oN", "off", "Off", "OFF", "oFF", "y", "n", "Y", "N", "t", "f",
        // int: octal, binary, hexadecimal
        "0", "00", "01", "07", "08", "09", "0_", "0_7", "0o", "0o7", "0o17", "0o19", "0O7", "0o_", "0o8", "0b",
        "0b1", "0b101", "0b102", "0b_", "0B1", "0b2", "0x", "0x1", "0xff", "0xFF", "0xaBc", "0x1_f", "0xg", "0X1",
        "0x_", "0x-1", "0xffffffffffffffff", "0x7fffffffffffffff", "0b" + String(repeating: "1", count: 64),
        "0" + String(repeating: "7", count: 30),
        // int: decimal
        "1", "12", "1_", "1_000", "1__2", "123456789", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "-9223372036854775809", String(repeating: "9", count: 40),
        String(repeating: "1", count: 400), "1,000", "1 000", "_1", "_", "__", "1_000_000",
        // int and float: sexagesimal
        "1:20", "1:2", "1:60", "1:59", "1:5:9", "1:", "1::2", ":1", "0:20", "01:20", "1:20:30", "1:123", "1_0:20",
        "190:20:30", "1:2:3:4:5:6:7:8:9:10", "1:20_", "1:2_0", "1:-2", "1:+2", "1:20.5", "1:20.", "1:2:3.5",
        "1:60.5", "0:20.5", "1:20.5e3", "1:20.5.5", "1:20.5_5", "1:7.", "1:07.5", "1:75.0", "a:20",
        // float
        "1.", "1.5", "1.5e3", "1e3", "1E3", "1e+3", "1e-3", "1e", "1e+", "1.e5", "1._5", "1_.5", ".5", ".5e3",
        ".5e+3", ".5e-3", ".5E-3", "._", ".", ". 5", "1.5.5", "0.1", "007.5", "3.10", "1.0.0", "1_000.5",
        "1e1000", "-1e1000", "1e-1000", "0x1p3", "1.5e3_0", "12e03", "1.5e", "e3", ".e3",
        // infinity and not-a-number
        ".inf", ".Inf", ".INF", ".iNf", "+.inf", "-.inf", "-.Inf", "+.INF", "inf", "-inf", ".nan", ".NaN",
        ".NAN", "-.nan", "+.nan", ".nAn", "nan", "NaN", "Infinity", ".infinity",
        // merge, value, timestamp
        "<<", "<", "<<<", "=", "==", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
        "2001-12-15T02:59:43.1Z", "2001-12-15 2:59:43.10", "2002-1-1", "2002-01-01 ", "2001-12-14  21:59:43  Z",
        "2001-12-14T21:59:43 ", "2001-12-14T21:59:43+1:00", "2001-12-14T21:59:43+01:0",
        "2001-12-14T21:59:43.", "2001-12-1421:59:43", "2001-12-14T21:59:43Z ", "2001-12-14\t21:59:43",
        "2001-12-14T1:59:43", "2001-12-14T21:5:43", "20011-12-14", "2001-123-14", "2001-12-14T21:59:43+01:00Z",
        "2001-1-14",
        // unicode digits and line terminators (ICU's `$` matches before one final terminator)
        "١٢٣", "１２", "½", "٣.٥", "１:20", "1\n", "true\n", "1\r\n", "null\n", "\n", "\r\n", "1\r", "1\u{2028}",
        "1\u{85}", "1\n\n", "\n1", "1\u{2029}", "~\u{85}", ".inf\r",
        // signs and text
        "1 ", " 1", "+", "-", "+-1", "--1", "-0", "+0", "-00", "+0_", "-0x", "-0b", "-0o", "true ", " true",
        "hello", "a b", "null null", "0.0.0.0", "1h", "10s", "1_h", "+_1", "-_1", "0x1F ", "1e3 ",
    ]

    /// `forms` and each number-like one with a sign.
    static let scalars: [String] =
        forms
        + [
            "0", "1", "12", "0x1f", "0b1", "0o7", "07", "1:20", "1.5", ".5", ".inf", "1e3", "1_0", "1:20.5", "1.",
            "0_", "0o17", "0x", "0b", "1_000", "1e", ".5e3", "0:20.5", "1:2:3.5", "08", "09", "1e+3", "1.5e3",
            "9223372036854775807", "9223372036854775808",
        ].flatMap { ["+" + $0, "-" + $0] }

    private static func yamsTag(_ text: String) -> String {
        Resolver.default.resolveTag(of: Node.scalar(Node.Scalar(text))).rawValue
    }

    private static func plain(_ text: String, _ tag: YAMLTag) -> YAMLScalar {
        YAMLScalar(string: text, style: .plain, tag: tag, mark: YAMLMark(line: 1, column: 1))
    }

    /// Yams' sexagesimal integers trap on overflow (base 60 to the 11th); cfg's return nil. Only texts Yams
    /// survives are compared.
    private static func yamsSurvivesInt(_ text: String) -> Bool {
        guard text.contains(":") else { return true }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count <= 10 && parts.allSatisfy { $0.count <= 6 }
    }

    @Test func theTableCoversEveryTag() {
        #expect(Self.scalars.count >= 300)
        let tags = Set(Self.scalars.map(Self.yamsTag))
        for name in ["null", "bool", "int", "float", "str", "merge", "timestamp", "value"] {
            #expect(tags.contains("tag:yaml.org,2002:" + name), "no \(name) in the table")
        }
    }

    @Test(arguments: scalars)
    func plainScalarsGetYamsTag(_ text: String) {
        #expect(YAMLScalarTypes.resolve(text).name == Self.yamsTag(text), "\(text.debugDescription)")
    }

    @Test(arguments: scalars)
    func valuesAreYamsValues(_ text: String) {
        let tag = YAMLScalarTypes.resolve(text)
        let ours = Self.plain(text, tag)
        let theirs = Node.Scalar(text, Tag(.implicit), .plain)
        #expect(YAMLScalarTypes.bool(ours) == Bool.construct(from: theirs), "\(text.debugDescription)")
        if Self.yamsSurvivesInt(text) {
            #expect(YAMLScalarTypes.int(ours) == Int.construct(from: theirs), "\(text.debugDescription)")
        }
        let double = YAMLScalarTypes.double(ours)
        let yamsDouble = Double.construct(from: theirs)
        #expect(double?.bitPattern == yamsDouble?.bitPattern, "\(text.debugDescription)")
    }

    @Test(arguments: [YAMLScalar.Style.singleQuoted, .doubleQuoted, .literal, .folded])
    func onlyPlainScalarsHaveNumbers(_ style: YAMLScalar.Style) {
        let scalar = YAMLScalar(string: "5", style: style, tag: .int, mark: YAMLMark(line: 1, column: 1))
        #expect(YAMLScalarTypes.int(scalar) == nil)
        #expect(YAMLScalarTypes.double(scalar) == nil)
    }

    @Test func sexagesimalOverflowIsNoNumber() {
        let text = Array(repeating: "59", count: 12).joined(separator: ":")
        #expect(YAMLScalarTypes.resolve(text) == .int)
        #expect(YAMLScalarTypes.int(Self.plain(text, .int)) == nil)
        #expect(YAMLScalarTypes.int(Self.plain("1:30", .int)) == 90)
    }

    static let documents: [String] = [
        "a: 1\nb: '2'\nc: \"3\"\nd: |\n  x\n  y\ne: >\n  x\n  y\nf: 1.5\ng: ~\nh:\ni: yes\n",
        "a: !!str 5\nb: !!int \"5\"\nc: ! 5\nd: !custom x\ne: !!float 1\nf: !!bool yes\ng: !!null ''\nh: !!int 0x1F\n",
        "%TAG !e! tag:example.com,2000:\n---\na: !e!foo x\nb: !<tag:yaml.org,2002:int> 7\n",
        "\u{FEFF}a: [x, y]\n",
        "a: 1\r\nb:\r\n  - x\r\n  - 'y'\r\nc: |\r\n  l1\r\n  l2\r\n",
        "\u{FEFF}a: 1\r\n",
        "a: multi\n  line\n\n  plain\nb: \"quoted\n  folded\"\n",
        "? [a, b]\n: 1\n? {c: d}\n: 2\n",
        "- {a: 1, b: [x, {c: ~}]}\n- !!map {a: 1}\n- !!seq [1]\n- ! {a: 1}\n- !custom [1]\n",
        "a: é\nb: 日本\nc: 😀 x\nd: [é, 日本]\n",
        "---\na: 1\n...\n",
        "--- \n",
        "--- 5\n",
        "plain scalar root\n",
        "a: \"\\t\\u00e9\\x41\"\nb: 'it''s'\n",
        "key: value # comment\n# another\n",
        "a:\n  b:\n    c: [1, 2, {d: e}]\n  f:\n  - g\n  -   - h\n",
        "x: 0x1F\ny: 1:20\nz: .inf\nw: <<\nv: =\nt: 2001-12-14\nu: -0\n",
        "a: {b: 1, c: 2}\nd: [ ]\ne: { }\n",
        "a: >-\n  folded\n  text\n\nb: |+\n  kept\n\n",
        "- - - - 1\n",
        "\"quoted key\": 1\n'single': 2\n? complex\n: 3\n",
    ]

    /// Malformed documents: libyaml's problem and position, as Yams reported them.
    static let malformed: [String] = [
        "%YAML 1.1\n# nothing\n",
        // A byte order mark counts as a column: the second key is then less indented (Yams' libyaml too).
        "\u{FEFF}a: 1\nb: 2\n",
        "a: \"unclosed\n",
        "a: [1, 2\n",
        "a: {b: 1]\n",
        "a:\n  - 1\n  b: 2\n",
        "a: 'x\n",
        "\ta: 1\n",
        "a: b: c\n",
        "- a\nb: 1\n",
        "a: |\n  x\n y\n",
        "@a: 1\n",
        "a: !<> x\n",
        "%TAG !e! tag:x,2000:\n%TAG !e! tag:y,2000:\n--- a\n",
        "a: \"\\q\"\n",
        "a: 1\n---\nb: 2\n",
        "a: 1\n--- [\n",
    ]

    @Test(arguments: documents + malformed)
    func composedTreesAndErrorsAreYams(_ yaml: String) throws {
        let ours = Result { () throws(ConfigError) in try YAMLComposer.compose(yaml, file: "x.yaml") }
        let theirs = Result { try Yams.compose(yaml: yaml).map(YAMLNode.init(yams:)) }
        switch (ours, theirs) {
        case (.success(let ours), .success(let theirs)):
            #expect(ours?.outline == theirs?.outline)
            #expect(ours == theirs)
        case (.failure(let ours), .failure(let theirs)):
            switch theirs as? YamlError {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
                #expect(ours.message.hasPrefix("malformed YAML: \(problem)"))
                #expect(ours.position == ConfigPosition(file: "x.yaml", line: mark.line, column: mark.column))
            case .composer(_, _, let mark, _):
                #expect(ours.message == "malformed YAML: expected a single document, but found another one")
                #expect(ours.position == ConfigPosition(file: "x.yaml", line: mark.line, column: mark.column))
            default:
                Issue.record("Yams failed with \(theirs)")
            }
        default:
            Issue.record("cfg: \(ours), Yams: \(theirs)")
        }
    }

    @Test func malformedDocumentsAreMalformed() {
        for yaml in Self.malformed {
            #expect(throws: ConfigError(.malformedYAML, "", at: nil)) { try YAMLComposer.compose(yaml, file: "x.yaml") }
        }
    }

    @Test(arguments: ["", "# only a comment\n", "\u{FEFF}", "\n\n", "\u{FEFF}# bom\r\n"])
    func emptyStreamsHaveNoDocument(_ yaml: String) throws {
        #expect(try YAMLComposer.compose(yaml, file: "x.yaml") == nil)
        #expect(try Yams.compose(yaml: yaml) == nil)
    }
}
