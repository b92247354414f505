import Dispatch
import Foundation
import Testing

@testable import CfgTemplate

/// Every limit of ``TemplateLimits``: a template at the limit works, one past it is one clear error with
/// its line and column, and nothing past it can crash, exhaust memory or print a secret.
struct TemplateLimitsTests {
    private typealias Support = TemplateTestSupport

    private static let depth = TemplateLimits.maximumExpressionDepth
    private static let blocks = TemplateLimits.maximumBlockDepth
    private static let output = TemplateLimits.maximumOutputBytes
    private static let canary = "CANARY-s3cr3t-7f1e"

    private static func repeated(_ text: String, _ count: Int) -> String {
        String(repeating: text, count: count)
    }

    /// The only diagnostic, as `code@line:column`, or the whole list when there is not exactly one.
    private static func only(_ diagnostics: [TemplateDiagnostic]) -> String {
        diagnostics.count == 1 ? Support.summary(diagnostics)[0] : "\(Support.summary(diagnostics))"
    }

    // MARK: - Expression nesting

    /// Expressions nested `count` deep by each construct, with the column where the level past the limit opens.
    private static func nested(_ construct: String, _ count: Int) -> (source: String, column: Int) {
        switch construct {
        case "parentheses":
            // `{{ ` then `(` × count: the last one opens at column 4 + count - 1.
            return ("{{ " + repeated("(", count) + "1" + repeated(")", count) + " }}", 3 + count)
        case "lists":
            // A loop's iterable, so that nothing applies to the outermost list; `{% for i in ` is 12 columns.
            return ("{% for i in " + repeated("[", count) + "1" + repeated("]", count) + " %}{% endfor %}", 12 + count)
        case "maps":
            // The same for map literals: each level is `{"k": ` (6 columns).
            return (
                "{% for i in " + repeated("{\"k\": ", count) + "1" + repeated("}", count) + " %}{% endfor %}",
                13 + 6 * (count - 1)
            )
        case "arguments":
            // `x | default(` nests one level per argument list; the last `(` is at 3 + 12 × count.
            return ("{{ " + repeated("x | default(", count) + "1" + repeated(")", count) + " }}", 3 + 12 * count)
        case "not":
            return ("{{ " + repeated("not ", count) + "false }}", 4 + 4 * (count - 1))
        case "filters":
            // `{{ 'a'` then ` | trim` × count: the last filter name is at 7 + 7 × (count - 1) + 3.
            return ("{{ 'a'" + repeated(" | trim", count) + " }}", 10 + 7 * (count - 1))
        case "concatenation":
            return ("{{ 'a'" + repeated(" ~ 'a'", count) + " | length }}", 8 + 6 * (count - 1))
        case "indexes":
            return ("{{ x" + repeated("[0]", count) + " }}", 5 + 3 * (count - 1))
        default:
            return ("{{ x" + repeated(".k", count) + " }}", 5 + 2 * (count - 1))
        }
    }

    /// A value that `x[0][0]…` (or `x.k.k…` for attributes) reads `count` levels deep.
    private static func deepValue(_ construct: String, _ count: Int) -> TemplateValue {
        var value: TemplateValue = .string("end")
        for _ in 0..<count {
            value = construct == "indexes" ? .list([value]) : .map(TemplateMap([(key: "k", value: value)]))
        }
        return value
    }

    private static let constructs = [
        "parentheses", "lists", "maps", "arguments", "not", "filters", "concatenation", "indexes", "attributes",
    ]

    @Test(arguments: constructs)
    func expressionsNestedToTheLimitRender(construct: String) throws {
        let (source, _) = Self.nested(construct, Self.depth)
        let x = construct == "indexes" || construct == "attributes" ? Self.deepValue(construct, Self.depth) : .null
        #expect(Support.diagnostics(source, ["x": x]).isEmpty)
    }

    @Test(arguments: constructs)
    func expressionsNestedPastTheLimitAreOneErrorAtTheLevelPastIt(construct: String) {
        let (source, column) = Self.nested(construct, Self.depth + 1)
        let found = Support.diagnostics(source, ["x": .null])
        #expect(Self.only(found) == "tooDeep@1:\(column)")
        #expect(
            found.first?.description
                == "templates/x.tmpl:1:\(column): expressions are nested more than 64 deep; split it"
        )
    }

    @Test func theRestOfTheFileIsStillCheckedAfterAnExpressionTooDeep() {
        let source = "{{ " + Self.repeated("(", 1000) + " }}\n{{ nope | rot13 }}"
        #expect(Support.summary(Support.diagnostics(source)) == ["tooDeep@1:68", "unknownFilter@2:11"])
    }

    // MARK: - Block nesting

    private static func nestedBlocks(_ tag: String, _ count: Int) -> String {
        let (open, close) = tag == "if" ? ("{% if true %}", "{% endif %}") : ("{% for i in [1] %}", "{% endfor %}")
        return Self.repeated(open + "\n", count) + "in" + Self.repeated(close, count)
    }

    @Test(arguments: ["if", "for"])
    func blocksNestedToTheLimitRender(tag: String) throws {
        #expect(try Support.render(Self.nestedBlocks(tag, Self.blocks)).text == "in")
    }

    @Test(arguments: ["if", "for"])
    func blocksNestedPastTheLimitAreOneErrorAtTheBlockPastIt(tag: String) {
        let found = Support.diagnostics(Self.nestedBlocks(tag, Self.blocks + 1))
        #expect(Self.only(found) == "tooDeep@\(Self.blocks + 1):1")
        #expect(found.first?.message.contains("blocks are nested more than 64 deep") == true)
    }

    @Test func unclosedBlocksPastTheLimitAreOneError() {
        #expect(Self.only(Support.diagnostics(Self.repeated("{% if x %}", 5000))) == "tooDeep@1:641")
    }

    // MARK: - Far past the limits, on a small stack

    /// Written by a thread before it signals, read after the wait: the semaphore orders the two.
    private final class ResultBox: @unchecked Sendable {
        var diagnostics: [TemplateDiagnostic]?
    }

    /// The diagnostics of parsing and rendering `source` on a new thread with a 1 MiB stack: an eighth of
    /// the 8 MiB that threads get on Linux, Swift's cooperative threads included (where cfg parses and
    /// renders). The deepest template allowed needs between 512 KiB and 1 MiB in a debug build.
    private static func diagnosticsOnASmallStack(_ source: String) -> [TemplateDiagnostic]? {
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.diagnostics = Support.diagnostics(source)
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
        done.wait()
        return box.diagnostics
    }

    @Test func theDeepestTemplateAllowedRendersOnASmallStack() {
        // Blocks to the limit, and inside them every kind of expression nesting to its limit.
        let inner = Self.constructs.filter { $0 != "indexes" && $0 != "attributes" }
            .map { Self.nested($0, Self.depth).source }.joined(separator: "\n")
        // The `lists` construct is a loop of its own: 62 `if`, one `for`, then it.
        let source =
            Self.repeated("{% if true %}", Self.blocks - 2) + "{% for x in [null] %}" + inner
            + "{% endfor %}" + Self.repeated("{% endif %}", Self.blocks - 2)
        #expect(Self.diagnosticsOnASmallStack(source) == [])
    }

    /// Templates far past the limits: past where the stack overflowed before the limits (about 2,000 nested
    /// parentheses or 3,000 nested `if` in a release build), with the position of the first level too deep.
    private static let farPastTheLimit: [String: (source: String, expected: String)] = [
        "parentheses": ("{{ " + repeated("(", 5000) + " }}", "tooDeep@1:68"),
        "not": ("{{ " + repeated("not ", 5000) + "x }}", "tooDeep@1:260"),
        "filters": ("{{ x" + repeated(" | trim", 5000) + " }}", "tooDeep@1:456"),
        "concatenation": ("{{ x" + repeated(" ~ x", 5000) + " }}", "tooDeep@1:262"),
        "lists": ("{{ " + repeated("[", 5000) + " }}", "tooDeep@1:68"),
        "maps": ("{% for i in " + repeated("{'k': ", 5000) + " %}{% endfor %}", "tooDeep@1:\(13 + 6 * depth)"),
        "ifs": (repeated("{% if x %}", 5000), "tooDeep@1:641"),
        "fors": (repeated("{% for x in y %}", 5000), "tooDeep@1:1025"),
    ]

    @Test(arguments: farPastTheLimit.keys.sorted())
    func nestingFarPastTheLimitIsOneErrorOnASmallStack(construct: String) throws {
        let (source, expected) = try #require(Self.farPastTheLimit[construct])
        #expect(Self.diagnosticsOnASmallStack(source).map(Self.only) == expected)
    }

    // MARK: - Source size

    @Test func aSourceOfTheLimitParses() throws {
        let line = Self.repeated("a", 1023) + "\n"
        let source = Self.repeated(line, TemplateLimits.maximumSourceBytes / 1024)
        #expect(source.utf8.count == TemplateLimits.maximumSourceBytes)
        #expect(try Support.render(source).text.utf8.count == TemplateLimits.maximumSourceBytes)
    }

    @Test func aSourcePastTheLimitIsOneErrorAtTheFirstScalarPastIt() {
        let line = Self.repeated("é", 511) + "a\n"
        let source = Self.repeated(line, TemplateLimits.maximumSourceBytes / 1024) + "b"
        let found = Support.diagnostics(source)
        #expect(Self.only(found) == "tooLarge@\(TemplateLimits.maximumSourceBytes / 1024 + 1):1")
        #expect(
            found.first?.description
                == "templates/x.tmpl:1025:1: the template is larger than 1 MiB; split it into several templates"
        )
    }

    // MARK: - Output size

    @Test func outputOfTheLimitRenders() throws {
        let source = "{% for i in items %}" + Self.repeated("a", 1024) + "{% endfor %}"
        let items = TemplateValue.list(Array(repeating: .null, count: Self.output / 1024))
        #expect(try Support.render(source, ["items": items]).text.utf8.count == Self.output)
    }

    @Test func outputPastTheLimitStopsTheRenderWithOneError() {
        // The `{{ x }}` after the loop is at column 20 + 1024 + 12 + 1.
        let source = "{% for i in items %}" + Self.repeated("a", 1024) + "{% endfor %}{{ x }}"
        let items = TemplateValue.list(Array(repeating: .null, count: Self.output / 1024))
        let found = Support.diagnostics(source, ["items": items, "x": .string("b")])
        #expect(Self.only(found) == "tooLarge@1:1057")
        #expect(
            found.first?.description
                == "templates/x.tmpl:1:1057: the output is larger than 4 MiB; render less (check the loops), "
                + "or split the template"
        )
    }

    @Test func aMillionOutputTagsStopAtTheOutputLimit() {
        // `{{ x }}` of a 64-byte string, 100,000 times: the render stops at 4 MiB (65,536 of them).
        let source = Self.repeated("{{ x }}", 100_000)
        let found = Support.diagnostics(source, ["x": .string(Self.repeated("v", 64))])
        #expect(Self.only(found) == "tooLarge@1:\(7 * 65_536 + 1)")
    }

    // MARK: - String results

    private static let quadruple = " | replace('a', 'aaaa')"

    /// `"a" | replace("a", "aaaa")` `count` times: 4^count bytes.
    private static func replaceChain(_ count: Int, on input: String = "'a'") -> String {
        "{{ " + input + repeated(quadruple, count) + " }}"
    }

    @Test func aReplaceChainToTheLimitRenders() throws {
        // 4^11 is exactly 4 MiB.
        #expect(try Support.render(Self.replaceChain(11)).text.utf8.count == Self.output)
    }

    @Test func aReplaceChainPastTheLimitFailsAtTheFilterThatPassesIt() {
        let found = Support.diagnostics(Self.replaceChain(40))
        // The 12th `replace` starts 3 columns into the 12th filter.
        let column = "{{ 'a'".count + Self.quadruple.count * 11 + 4
        #expect(Self.only(found) == "tooLarge@1:\(column)")
        #expect(found.first?.message.hasSuffix("the result would be larger than 4 MiB") == true)
    }

    @Test func concatenationToTheLimitWorksAndPastItFails() throws {
        let big = TemplateValue.string(Self.repeated("a", Self.output - 1))
        #expect(try Support.render("{{ big ~ 'b' }}", ["big": big]).text.utf8.count == Self.output)
        let found = Support.diagnostics("{{ big ~ 'bc' }}", ["big": big])
        #expect(Self.only(found) == "tooLarge@1:8")
        #expect(found.first?.message.contains("would make a string larger than 4 MiB") == true)
    }

    @Test func joinToTheLimitWorksAndPastItFails() throws {
        // 4096 items of 1023 bytes, then one more item: 4096 separators make 4 MiB with an empty one.
        let items = Array(repeating: TemplateValue.string(Self.repeated("a", 1023)), count: 4096)
        let fits = TemplateValue.list(items + [.string("")])
        #expect(try Support.render("{{ items | join(',') }}", ["items": fits]).text.utf8.count == Self.output)
        let past = TemplateValue.list(items + [.string("a")])
        #expect(Self.only(Support.diagnostics("{{ items | join(',') }}", ["items": past])) == "tooLarge@1:12")
    }

    @Test func jsonToTheLimitWorksAndPastItFails() throws {
        // The two quotes make `json` two bytes longer than its input.
        let fits = TemplateValue.string(Self.repeated("a", Self.output - 2))
        #expect(try Support.render("{{ s | json }}", ["s": fits]).text.utf8.count == Self.output)
        let list = TemplateValue.list([fits, fits])
        #expect(Self.only(Support.diagnostics("{{ s | json }}", ["s": list])) == "tooLarge@1:8")
    }

    @Test func aFilterThatGrowsItsInputPastTheLimitFails() throws {
        // urlencode triples `@`: 1,398,101 × 3 = 4 MiB - 1.
        let fits = TemplateValue.string(Self.repeated("@", 1_398_101))
        #expect(try Support.render("{{ s | urlencode }}", ["s": fits]).text.utf8.count == Self.output - 1)
        let past = TemplateValue.string(Self.repeated("@", 1_398_102))
        #expect(Self.only(Support.diagnostics("{{ s | urlencode }}", ["s": past])) == "tooLarge@1:8")
    }

    // MARK: - Evaluation steps

    /// `{% for i in items %}{% endfor %}` takes 2 steps (the node, the name), one per 64 items to list
    /// them, and one per iteration.
    private static func emptyLoopSteps(_ count: Int) -> Int { 2 + (count + 63) / 64 + count }

    @Test func workToTheLimitRendersAndOneStepMoreStops() throws {
        var count = TemplateLimits.maximumSteps * 64 / 65
        while Self.emptyLoopSteps(count + 1) <= TemplateLimits.maximumSteps { count += 1 }
        while Self.emptyLoopSteps(count) > TemplateLimits.maximumSteps { count -= 1 }
        #expect(Self.emptyLoopSteps(count) == TemplateLimits.maximumSteps)
        let source = "{% for i in items %}{% endfor %}"
        let fits = TemplateValue.list(Array(repeating: .null, count: count))
        #expect(Support.diagnostics(source, ["items": fits]).isEmpty)
        let past = TemplateValue.list(Array(repeating: .null, count: count + 1))
        let found = Support.diagnostics(source, ["items": past])
        #expect(Self.only(found) == "tooMuchWork@1:1")
        #expect(found.first?.message.hasPrefix("rendering needs more than 1000000 evaluation steps") == true)
    }

    @Test func nestedLoopsStopAtTheStepLimit() {
        // 100^4 iterations that output nothing: the budget stops them, not the output limit.
        let source =
            "{% for a in l %}{% for b in l %}{% for c in l %}{% for d in l %}{% endfor %}{% endfor %}"
            + "{% endfor %}{% endfor %}"
        let list = TemplateValue.list(Array(repeating: .null, count: 100))
        #expect(Self.only(Support.diagnostics(source, ["l": list])) == "tooMuchWork@1:49")
    }

    @Test func filtersOnLargeStringsPayForTheirText() {
        // Each `length` of a 4 MiB string costs about 4096 steps: far fewer than a million iterations.
        let source = "{% for i in items %}{{ s | length }}{% endfor %}"
        let items = TemplateValue.list(Array(repeating: .null, count: 1000))
        let found = Support.diagnostics(source, ["items": items, "s": .string(Self.repeated("a", Self.output))])
        #expect(Self.only(found) == "tooMuchWork@1:28")
    }

    // MARK: - Messages

    @Test func messagesNameLongExpressionsShortly() throws {
        // A type error on a huge expression: one line of at most 120 bytes of source text, literals cut at 40.
        let literal = Self.repeated("x", 200_000)
        let found = Support.diagnostics(
            "{{ [1] ~ '" + literal + "' ~ " + Self.repeated("n ~ ", 20) + "n }}",
            ["n": .integer(1)]
        )
        let message = try #require(found.first?.message)
        #expect(Self.only(found) == "typeError@1:8")
        #expect(
            message
                == "cannot concatenate '[1]' (a list) and '\"" + Self.repeated("x", 40)
                + "…\"' (a string) with '~'; use json or join"
        )
        let long = Support.diagnostics("{{ " + Self.repeated("n ~ ", 60) + "[1] }}", ["n": .integer(1)])
        let text = try #require(long.first?.message)
        #expect(text.hasPrefix("cannot concatenate 'n ~ n ~"))
        #expect(text.contains("…' (a string) and '[1]' (a list)"))
    }

    @Test func theLimitOfProblemsIsReportedAsIs() {
        let source = Self.repeated("{{ x }}\n", TemplateLimits.maximumDiagnostics)
        let found = Support.diagnostics(source)
        #expect(found.count == TemplateLimits.maximumDiagnostics)
        #expect(found.allSatisfy { $0.code == .undefinedName })
    }

    @Test(arguments: [1, 50_000])
    func problemsPastTheLimitAreCountedInOneLine(extra: Int) {
        let source = Self.repeated("{{ x }}\n", TemplateLimits.maximumDiagnostics + extra)
        let found = Support.diagnostics(source)
        #expect(found.count == TemplateLimits.maximumDiagnostics + 1)
        let plural = extra == 1 ? "1 more problem" : "\(extra) more problems"
        #expect(
            found.last?.description
                == "templates/x.tmpl:101:4: \(plural) in this template not shown; fix the ones above first"
        )
        #expect(found.last?.code == .undefinedName)
        let syntax = Support.diagnostics(Self.repeated("{{ }}\n", TemplateLimits.maximumDiagnostics + extra))
        #expect(Support.summary(syntax).last == "syntax@101:4")
    }

    @Test func replacePaysForEveryOccurrenceItMayFind() {
        // A million one-byte occurrences cost 256 MiB of work (256,000 steps): the fourth pass stops, long
        // before a million passes over the text.
        let source = "{% for i in items %}{{ s | replace('a', 'b') | length }}{% endfor %}"
        let items = TemplateValue.list(Array(repeating: .null, count: 1000))
        let found = Support.diagnostics(source, ["items": items, "s": .string(Self.repeated("a", 1 << 20))])
        #expect(Self.only(found) == "tooMuchWork@1:28")
    }

    // MARK: - Secrets

    @Test func noLimitErrorContainsASecret() {
        let secret = TemplateValue.string(Self.canary, secret: true)
        let many = TemplateValue.list(Array(repeating: .null, count: TemplateLimits.maximumSteps))
        let sources = [
            Self.replaceChain(12, on: "(s ~ 'a')"),
            "{{ s ~ big }}",
            "{% for i in many %}{{ s }}{% endfor %}",
            "{% for i in many %}{% if s == i %}{% endif %}{% endfor %}",
            "{{ [s, big, big] | json }}",
            "{{ " + Self.repeated("(", 100) + "'" + Self.canary + "'" + Self.repeated(")", 100) + " }}",
        ]
        for source in sources {
            let found = Support.diagnostics(
                source,
                ["s": secret, "big": .string(Self.repeated("a", Self.output - 1), secret: true), "many": many]
            )
            #expect(!found.isEmpty, "\(source.prefix(40))")
            for diagnostic in found {
                #expect(!diagnostic.description.contains(Self.canary), "\(source.prefix(40))")
            }
        }
    }
}
