import CfgSuggestion

/// Renders a node tree against a context, strictly, collecting every error instead of stopping at
/// the first.
///
/// A failed expression becomes a `.failed` outcome that suppresses follow-on errors; a block whose
/// condition or iterable failed is skipped. Messages name references as written in the template
/// and never contain values.
///
/// Work and output are bounded (``TemplateLimits``): every node, expression and loop iteration
/// costs a step, and so does each started KiB of text (or 64 entries of a list or map) that a filter,
/// an operator or a comparison handles. Passing the step budget or the output size stops the render
/// with one diagnostic; a single filter or `~` whose result would pass the output size fails alone.
struct TemplateEvaluator {
    /// The result of evaluating an expression.
    enum Outcome {
        case value(TemplateValue)
        /// An undefined name or missing key, not yet reported: `default(…)` may still replace it.
        case missing(TemplateDiagnostic)
        /// An error already reported.
        case failed
        /// A value that depends on these withheld secrets (``TemplateContext/withheldSecrets``): not an error.
        case withheld(Set<String>)
    }

    private let context: TemplateContext
    private var scopes: [[String: TemplateValue]] = []
    private var reported: Set<TemplateDiagnostic> = []
    private(set) var diagnostics: [TemplateDiagnostic] = []
    private(set) var segments: [Segment] = []
    /// Withheld secrets needed outside an output of their own (see ``RenderedText/withheldUses``).
    private(set) var withheldUses: Set<String> = []
    /// The reason of each withheld secret's `.unresolved` value, and the secret's name.
    private let withheldReasons: [String: String]
    /// Steps taken so far, against ``TemplateLimits/maximumSteps``.
    private var steps = 0
    /// UTF-8 bytes in `segments`, against ``TemplateLimits/maximumOutputBytes``.
    private var outputBytes = 0
    /// Set when a limit stopped the render: nothing more is evaluated.
    private var stopped = false

    init(context: TemplateContext) {
        self.context = context
        self.withheldReasons = Dictionary(
            context.withheldSecrets.map { (TemplateValue.withheldReason(secret: $0), $0) },
            uniquingKeysWith: { first, _ in first }
        )
    }

    // MARK: - Nodes

    /// Renders nodes, appending to `segments`.
    mutating func render(_ nodes: [TemplateNode]) {
        for node in nodes {
            guard charge(steps: 1, at: Self.position(of: node)) else { return }
            switch node {
            case .text(let text, let position):
                guard emit(text, at: position) else { return }
                segments.append(.literal(text, at: position))
            case .output(let expression, let position):
                output(expression, at: position)
            case .conditional(let branches, let otherwise):
                conditional(branches, otherwise: otherwise)
            case .loop(let loop):
                iterate(loop)
            }
        }
    }

    private mutating func output(_ expression: TemplateExpression, at position: SourcePosition) {
        let outcome = evaluate(expression)
        if case .withheld(let names) = outcome {
            // Unknown text: an empty secret segment that names what it needs, where the value would be.
            segments.append(Segment(text: "", kind: .value, isSecret: true, position: position, withheld: names))
            return
        }
        guard let value = require(outcome) else { return }
        guard let text = value.scalarText else {
            report(
                .typeError,
                at: expression.position,
                "cannot output \(value.kindName) from '\(expression.sourceText)'; use the json or join filter"
            )
            return
        }
        var origin: SecretOrigin?
        if case .string(_, _, let valueOrigin) = value { origin = valueOrigin }
        guard emit(text, at: position) else { return }
        segments.append(Segment(text: text, kind: .value, isSecret: value.isSecret, origin: origin, position: position))
    }

    private mutating func conditional(_ branches: [TemplateNode.Branch], otherwise: [TemplateNode]?) {
        for branch in branches {
            // A condition that failed skips the whole block: no branch can be chosen reliably.
            guard let value = require(evaluate(branch.condition)) else { return }
            if value.isTruthy {
                render(branch.body)
                return
            }
        }
        if let otherwise { render(otherwise) }
    }

    private mutating func iterate(_ loop: TemplateNode.Loop) {
        guard let iterable = require(evaluate(loop.iterable)) else { return }
        var pairs: [(key: TemplateValue?, value: TemplateValue)] = []
        switch iterable {
        case .list(let items) where loop.keyName == nil:
            pairs = items.map { (key: nil, value: $0) }
        case .map(let map):
            pairs = map.entries.map { entry in
                loop.keyName == nil
                    ? (key: nil, value: .string(entry.key, secret: false))
                    : (key: .string(entry.key, secret: false), value: entry.value)
            }
        default:
            let expected = loop.keyName == nil ? "a list or a map" : "a map"
            report(
                .typeError,
                at: loop.iterable.position,
                "cannot iterate over \(iterable.kindName) from '\(loop.iterable.sourceText)'; expected \(expected)"
            )
            return
        }
        guard charge(weight: pairs.count * Self.entryWeight, at: loop.position) else { return }
        for (offset, pair) in pairs.enumerated() {
            guard charge(steps: 1, at: loop.position) else { return }
            var scope: [String: TemplateValue] = [
                "loop": .map(
                    TemplateMap([
                        (key: "index", value: .integer(offset + 1)),
                        (key: "index0", value: .integer(offset)),
                        (key: "first", value: .bool(offset == 0)),
                        (key: "last", value: .bool(offset == pairs.count - 1)),
                        (key: "length", value: .integer(pairs.count)),
                    ])
                )
            ]
            if let keyName = loop.keyName, let key = pair.key { scope[keyName] = key }
            scope[loop.valueName] = pair.value
            scopes.append(scope)
            render(loop.body)
            scopes.removeLast()
        }
    }

    // MARK: - Limits

    /// The nominal bytes of one list or map entry, so that 64 entries cost a step like 1 KiB of text.
    private static let entryWeight = TemplateLimits.bytesPerStep / 64

    /// The nominal bytes of one occurrence that `replace` may find: 4 of them cost a step.
    private static let occurrenceWeight = TemplateLimits.bytesPerStep / 4

    private static func position(of node: TemplateNode) -> SourcePosition {
        switch node {
        case .text(_, let position), .output(_, let position): return position
        case .conditional(let branches, _):
            return branches.first?.condition.position ?? SourcePosition(file: "", line: 0, column: 0)
        case .loop(let loop): return loop.position
        }
    }

    /// Takes steps from the budget; false (after reporting it once and stopping the render) when the
    /// budget is spent or a limit already stopped the render.
    private mutating func charge(steps count: Int, at position: SourcePosition) -> Bool {
        guard !stopped else { return false }
        steps += count
        guard steps > TemplateLimits.maximumSteps else { return true }
        stopped = true
        report(
            .tooMuchWork,
            at: position,
            "rendering needs more than \(TemplateLimits.maximumSteps) evaluation steps (loops over too many items, "
                + "or filters on large strings); simplify the template"
        )
        return false
    }

    /// Charges the steps for handling `weight` bytes of text (see ``weight(of:)``).
    private mutating func charge(weight: Int, at position: SourcePosition) -> Bool {
        charge(steps: (weight + TemplateLimits.bytesPerStep - 1) / TemplateLimits.bytesPerStep, at: position)
    }

    /// What handling a value costs: its text in UTF-8 bytes, and ``entryWeight`` per list or map entry.
    ///
    /// It walks the value, as the operation it pays for does.
    private static func weight(of value: TemplateValue) -> Int {
        switch value {
        case .string(let text, _, _): return text.utf8.count
        case .integer, .double, .bool, .null, .unresolved: return 8
        case .list(let items): return items.reduce(0) { $0 + entryWeight + weight(of: $1) }
        case .map(let map):
            return map.entries.reduce(0) { $0 + entryWeight + $1.key.utf8.count + weight(of: $1.value) }
        }
    }

    /// Counts text about to be appended to the output; false (after reporting it and stopping the
    /// render) when the output would pass ``TemplateLimits/maximumOutputBytes``.
    private mutating func emit(_ text: String, at position: SourcePosition) -> Bool {
        outputBytes += text.utf8.count
        guard outputBytes > TemplateLimits.maximumOutputBytes else { return true }
        stopped = true
        report(
            .tooLarge,
            at: position,
            "the output is larger than \(TemplateLimits.size(TemplateLimits.maximumOutputBytes)); "
                + "render less (check the loops), or split the template"
        )
        return false
    }

    // MARK: - Diagnostics

    private mutating func report(_ diagnostic: TemplateDiagnostic) {
        // A loop body runs many times; its errors are reported once.
        if reported.insert(diagnostic).inserted { diagnostics.append(diagnostic) }
    }

    private mutating func report(_ code: TemplateDiagnostic.Code, at position: SourcePosition, _ message: String) {
        report(TemplateDiagnostic(code: code, position: position, message: message))
    }

    /// The value of an outcome; a missing value is reported now, a withheld one recorded as a use. Nil when there
    /// is no value.
    private mutating func require(_ outcome: Outcome) -> TemplateValue? {
        switch outcome {
        case .value(let value):
            return value
        case .missing(let diagnostic):
            report(diagnostic)
            return nil
        case .failed:
            return nil
        case .withheld(let names):
            withheldUses.formUnion(names)
            return nil
        }
    }

    /// The withheld secrets among `outcomes`, or nil when none is withheld.
    private static func withheld(_ outcomes: [Outcome]) -> Set<String>? {
        var names: Set<String> = []
        var any = false
        for case .withheld(let some) in outcomes {
            names.formUnion(some)
            any = true
        }
        return any ? names : nil
    }

    /// The value of an outcome, also rejecting any unresolved value inside it.
    private mutating func requireResolved(_ outcome: Outcome, _ expression: TemplateExpression) -> TemplateValue? {
        guard let value = require(outcome) else { return nil }
        if let reason = value.firstUnresolvedReason, let name = withheldReasons[reason] {
            // A container holding a withheld secret (`secrets | json`): the whole value is needed.
            withheldUses.insert(name)
            return nil
        }
        if let reason = value.firstUnresolvedReason {
            report(
                .unresolved,
                at: expression.position,
                "'\(expression.sourceText)' contains an unresolved value: \(reason)"
            )
            return nil
        }
        return value
    }

    /// A value just looked up: an unresolved one is an error at the lookup.
    private mutating func lookedUp(_ value: TemplateValue, _ expression: TemplateExpression) -> Outcome {
        if case .unresolved(let reason) = value, let name = withheldReasons[reason] {
            return .withheld([name])
        }
        if case .unresolved(let reason) = value {
            report(.unresolved, at: expression.position, "'\(expression.sourceText)' could not be resolved: \(reason)")
            return .failed
        }
        return .value(value)
    }

    // MARK: - Expressions

    /// Evaluates an expression. Errors other than undefined names and missing keys are reported here.
    mutating func evaluate(_ expression: TemplateExpression) -> Outcome {
        guard charge(steps: 1, at: expression.position) else { return .failed }
        switch expression.kind {
        case .literal(let value):
            return .value(value)
        case .name(let name):
            for scope in scopes.reversed() {
                if let value = scope[name] { return lookedUp(value, expression) }
            }
            if let value = context.variables[name] { return lookedUp(value, expression) }
            let known = Array(Set(scopes.flatMap(\.keys) + context.variables.keys)).sorted()
            return .missing(
                TemplateDiagnostic(
                    code: .undefinedName,
                    position: expression.position,
                    message: "undefined name '\(name)'" + Suggestion.didYouMean(name, among: known)
                )
            )
        case .attribute(let base, let key):
            return attribute(base, key, expression)
        case .index(let base, let index):
            return subscripted(base, index, expression)
        case .filter(let input, let filter, let arguments):
            return applyFilter(filter, input, arguments, expression)
        case .call(let function, let arguments):
            return call(function, arguments, expression)
        case .binary(let op, let lhs, let rhs):
            return binary(op, lhs, rhs, expression)
        case .not(let operand):
            let outcome = evaluate(operand)
            if case .withheld = outcome { return outcome }
            guard let value = requireResolved(outcome, operand) else { return .failed }
            return .value(.bool(!value.isTruthy, secret: value.isSecret))
        case .list(let items):
            var outcomes: [Outcome] = []
            for item in items { outcomes.append(evaluate(item)) }
            if let names = Self.withheld(outcomes) { return .withheld(names) }
            var values: [TemplateValue] = []
            var failed = false
            for outcome in outcomes {
                if let value = require(outcome) { values.append(value) } else { failed = true }
            }
            return failed ? .failed : .value(.list(values))
        case .map(let entries):
            return map(entries)
        case .invalid:
            return .failed
        }
    }

    /// A map literal: each value keeps its own secret mark.
    private mutating func map(_ entries: [(key: String, value: TemplateExpression)]) -> Outcome {
        var outcomes: [Outcome] = []
        for entry in entries { outcomes.append(evaluate(entry.value)) }
        if let names = Self.withheld(outcomes) { return .withheld(names) }
        var map = TemplateMap()
        var failed = false
        for (entry, outcome) in zip(entries, outcomes) {
            if let value = require(outcome) {
                map.entries.append((key: entry.key, value: value))
            } else {
                failed = true
            }
        }
        return failed ? .failed : .value(.map(map))
    }

    private mutating func attribute(
        _ base: TemplateExpression,
        _ key: String,
        _ expression: TemplateExpression
    )
        -> Outcome
    {
        let container: TemplateValue
        switch evaluate(base) {
        case .value(let value): container = value
        case .missing(let diagnostic): return .missing(diagnostic)
        case .failed: return .failed
        case .withheld(let names): return .withheld(names)
        }
        guard case .map(let map) = container else {
            report(
                .typeError,
                at: expression.position,
                "cannot read key '\(key)' of '\(base.sourceText)': it is \(container.kindName), not a map"
            )
            return .failed
        }
        // A lookup compares keys one by one.
        guard charge(weight: map.entries.count * Self.entryWeight, at: expression.position) else { return .failed }
        guard let value = map[key] else {
            return .missing(
                TemplateDiagnostic(
                    code: .missingKey,
                    position: expression.position,
                    message: "missing key '\(expression.sourceText)': '\(base.sourceText)' has no key '\(key)'"
                )
            )
        }
        return lookedUp(value, expression)
    }

    private mutating func subscripted(
        _ base: TemplateExpression,
        _ index: TemplateExpression,
        _ expression: TemplateExpression
    ) -> Outcome {
        let baseOutcome = evaluate(base)
        let indexOutcome = evaluate(index)
        if let names = Self.withheld([baseOutcome, indexOutcome]) { return .withheld(names) }
        guard let key = requireResolved(indexOutcome, index) else {
            if case .missing = baseOutcome { _ = require(baseOutcome) }
            return .failed
        }
        let container: TemplateValue
        switch baseOutcome {
        case .value(let value): container = value
        case .missing(let diagnostic): return .missing(diagnostic)
        case .failed: return .failed
        case .withheld(let names): return .withheld(names)
        }
        let missing = Outcome.missing(
            TemplateDiagnostic(
                code: .missingKey,
                position: expression.position,
                message: "missing key '\(expression.sourceText)': '\(base.sourceText)' has no such entry"
            )
        )
        switch (container, key) {
        case (.map(let map), .string(let name, _, _)):
            guard charge(weight: map.entries.count * Self.entryWeight, at: expression.position) else { return .failed }
            guard let value = map[name] else { return missing }
            return lookedUp(value, expression)
        case (.list(let items), .integer(let position, _)):
            guard items.indices.contains(position) else { return missing }
            return lookedUp(items[position], expression)
        case (.map, _), (.list, _):
            let expected = container.kindName == "a map" ? "a string" : "an integer"
            report(
                .typeError,
                at: index.position,
                "cannot index '\(base.sourceText)' (\(container.kindName)) with \(key.kindName); expected \(expected)"
            )
            return .failed
        default:
            report(
                .typeError,
                at: expression.position,
                "cannot index '\(base.sourceText)': it is \(container.kindName), not a list or map"
            )
            return .failed
        }
    }

    private mutating func applyFilter(
        _ filter: TemplateFilter,
        _ input: TemplateExpression,
        _ arguments: [TemplateExpression],
        _ expression: TemplateExpression
    ) -> Outcome {
        let inputOutcome = evaluate(input)
        if filter == .default {
            switch inputOutcome {
            case .failed:
                return .failed
            case .withheld(let names):
                return .withheld(names)
            case .missing, .value(.null):
                guard let fallback = arguments.first else { return .failed }
                switch evaluate(fallback) {
                case .value(let value): return .value(value.droppingOrigin)
                case let other: return other
                }
            case .value(let value):
                // The fallback is checked even when unused, so a typo in it is never hidden.
                if let fallback = arguments.first, require(evaluate(fallback)) == nil { return .failed }
                return .value(value.droppingOrigin)
            }
        }
        var argumentOutcomes: [Outcome] = []
        for argument in arguments { argumentOutcomes.append(evaluate(argument)) }
        if let names = Self.withheld([inputOutcome] + argumentOutcomes) { return .withheld(names) }
        let value = requireResolved(inputOutcome, input)
        var argumentValues: [TemplateValue] = []
        var failed = value == nil
        for (argument, outcome) in zip(arguments, argumentOutcomes) {
            if let argumentValue = requireResolved(outcome, argument) {
                argumentValues.append(argumentValue)
            } else {
                failed = true
            }
        }
        guard !failed, let value else { return .failed }
        var inputWeight = argumentValues.reduce(Self.weight(of: value)) { $0 + Self.weight(of: $1) }
        if filter == .replace, case .string(let old, _, _)? = argumentValues.first, !old.isEmpty {
            // Each occurrence costs a search and an append, far more than its bytes: pay before the work for
            // as many as there can be, and as the result can hold before it is too large.
            var occurrences = (value.scalarText?.utf8.count ?? 0) / old.utf8.count
            if case .string(let new, _, _)? = argumentValues.last, !new.isEmpty {
                occurrences = min(occurrences, TemplateLimits.maximumOutputBytes / new.utf8.count + 1)
            }
            inputWeight += occurrences * Self.occurrenceWeight
        }
        guard charge(weight: inputWeight, at: expression.position) else { return .failed }
        do throws(TemplateFilter.Failure) {
            let result = try filter.apply(to: value, arguments: argumentValues)
            guard charge(weight: Self.weight(of: result), at: expression.position) else { return .failed }
            let secret = value.isSecret || argumentValues.contains { $0.isSecret }
            return .value(result.markedSecret(secret))
        } catch {
            report(
                error.code,
                at: expression.position,
                "filter '\(filter.rawValue)' on '\(input.sourceText)': \(error.message)"
            )
            return .failed
        }
    }

    private mutating func call(
        _ function: TemplateFunction,
        _ arguments: [TemplateExpression],
        _ expression: TemplateExpression
    ) -> Outcome {
        var outcomes: [Outcome] = []
        for argument in arguments { outcomes.append(evaluate(argument)) }
        if let names = Self.withheld(outcomes) { return .withheld(names) }
        var values: [TemplateValue] = []
        for (argument, outcome) in zip(arguments, outcomes) {
            guard let value = requireResolved(outcome, argument) else { return .failed }
            values.append(value)
        }
        switch function {
        case .env:
            guard let first = values.first, case .string(let name, _, _) = first else {
                let kind = values.first?.kindName ?? "nothing"
                report(.invalidArgument, at: expression.position, "env() expects a variable name string, got \(kind)")
                return .failed
            }
            guard let value = context.environmentVariables[name] else {
                return .missing(
                    TemplateDiagnostic(
                        code: .undefinedName,
                        position: expression.position,
                        message: "environment variable in '\(expression.sourceText)' is not set"
                    )
                )
            }
            // Whether an environment variable holds a secret cannot be known: treat it as one.
            return .value(.string(value, secret: true))
        }
    }

    private mutating func binary(
        _ op: TemplateExpression.Operator,
        _ lhs: TemplateExpression,
        _ rhs: TemplateExpression,
        _ expression: TemplateExpression
    ) -> Outcome {
        if op == .and || op == .or {
            let leftOutcome = evaluate(lhs)
            if case .withheld = leftOutcome { return leftOutcome }
            guard let left = requireResolved(leftOutcome, lhs) else { return .failed }
            // Short-circuit: the right side is not evaluated when the left decides.
            if left.isTruthy == (op == .or) { return .value(.bool(left.isTruthy, secret: left.isSecret)) }
            let rightOutcome = evaluate(rhs)
            if case .withheld = rightOutcome { return rightOutcome }
            guard let right = requireResolved(rightOutcome, rhs) else { return .failed }
            return .value(.bool(right.isTruthy, secret: left.isSecret || right.isSecret))
        }
        let leftOutcome = evaluate(lhs)
        let rightOutcome = evaluate(rhs)
        if let names = Self.withheld([leftOutcome, rightOutcome]) { return .withheld(names) }
        let leftValue = requireResolved(leftOutcome, lhs)
        let rightValue = requireResolved(rightOutcome, rhs)
        guard let left = leftValue, let right = rightValue else { return .failed }
        // Comparing, searching and concatenating read both sides; `in` on a list compares the left side with
        // each element.
        var weight = Self.weight(of: left) + Self.weight(of: right)
        if case .list(let items) = right, op == .in || op == .notIn { weight += items.count * Self.weight(of: left) }
        guard charge(weight: weight, at: expression.position) else { return .failed }
        let secret = left.isSecret || right.isSecret
        let operands = "'\(lhs.sourceText)' (\(left.kindName)) and '\(rhs.sourceText)' (\(right.kindName))"
        switch op {
        case .concatenate:
            guard let leftText = left.scalarText, let rightText = right.scalarText else {
                report(.typeError, at: expression.position, "cannot concatenate \(operands) with '~'; use json or join")
                return .failed
            }
            guard leftText.utf8.count + rightText.utf8.count <= TemplateLimits.maximumOutputBytes else {
                report(
                    .tooLarge,
                    at: expression.position,
                    "'~' on '\(lhs.sourceText)' and '\(rhs.sourceText)' would make a string larger than "
                        + TemplateLimits.size(TemplateLimits.maximumOutputBytes)
                )
                return .failed
            }
            return .value(.string(leftText + rightText, secret: secret))
        case .equal, .notEqual:
            return .value(.bool(left.plainEquals(right) == (op == .equal), secret: secret))
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard let a = left.numericValue, let b = right.numericValue else {
                report(
                    .typeError,
                    at: expression.position,
                    "cannot compare \(operands) with '\(op.rawValue)'; expected numbers"
                )
                return .failed
            }
            let result: Bool
            switch op {
            case .less: result = a < b
            case .lessOrEqual: result = a <= b
            case .greater: result = a > b
            default: result = a >= b
            }
            return .value(.bool(result, secret: secret))
        case .in, .notIn:
            let found: Bool
            switch (left, right) {
            case (_, .list(let items)):
                found = items.contains { $0.plainEquals(left) }
            case (.string(let key, _, _), .map(let map)):
                found = map[key] != nil
            case (.string(let needle, _, _), .string(let haystack, _, _)):
                found = needle.isEmpty || haystack.contains(needle)
            default:
                report(
                    .typeError,
                    at: expression.position,
                    "cannot test \(operands) with '\(op.rawValue)'; expected a list, a map with a string key, or two strings"
                )
                return .failed
            }
            return .value(.bool(found == (op == .in), secret: secret))
        case .and, .or:
            return .failed
        }
    }
}
