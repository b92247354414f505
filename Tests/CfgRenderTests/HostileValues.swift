import CfgRender
import CfgTemplate

/// Values that break naive renderers, shared by the env block and dotenv tests.
enum HostileValues {
    /// Named values; names become `CFG_T_NAME` variables.
    static let all: [(name: String, value: String)] = [
        ("everything", "p@ss:/w%rd#?&+'\"= $\\!*()é"),
        ("home", "$HOME"),
        ("default", "${X:-y}"),
        ("dollars", "$$"),
        ("single_quote", "it's"),
        ("double_quote", "say \"hi\""),
        ("backslash", "C:\\new\\table\\"),
        ("newlines", "line one\nline two\n"),
        ("crlf", "a\r\nb\r"),
        ("spaces", "  leading and trailing  "),
        ("comment", " #notacomment"),
        ("equals", "="),
        ("tabs", "\tx\ty\t"),
        ("emoji", "🔐 ключ 密码"),
        ("empty", ""),
        ("dollar_quote", "$X'$"),
        ("random", randomPrintable(count: 4096)),
    ]

    /// A deterministic printable-ASCII string (a fixed-seed linear congruential generator).
    static func randomPrintable(count: Int) -> String {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var scalars = String.UnicodeScalarView()
        for _ in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let value = 0x20 + UInt32((state >> 33) % 95)
            if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
        }
        return String(scalars)
    }

    /// Settings `CFG_T_NAME = value`, each value one secret expression.
    static func settings(_ values: [(name: String, value: String)]) -> [Setting] {
        values.enumerated().map { index, entry in
            let position = SourcePosition(file: "t.cfg", line: index + 1, column: 1)
            let value = RenderedText(segments: [
                Segment(text: entry.value, kind: .value, isSecret: true, position: position)
            ])
            return Setting(
                section: nil,
                key: "CFG_T_" + entry.name.uppercased(),
                variable: "CFG_T_" + entry.name.uppercased(),
                value: value,
                position: position
            )
        }
    }
}
