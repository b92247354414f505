/// The bounds every template is parsed and rendered within, whatever its text (SECURITY.md lists them).
///
/// They keep a hostile or mistaken template from overflowing the stack (the parser and the evaluator
/// are recursive), or from taking unbounded memory or time. Each is far above what a configuration
/// template needs, and far below what would crash or stall cfg; passing one is an error with the
/// template's file, line and column (codes `tooDeep`, `tooLarge`, `tooMuchWork`).
package enum TemplateLimits {
    /// The largest template source, in bytes of UTF-8 (1 MiB).
    package static let maximumSourceBytes = 1 << 20

    /// How deeply an expression may nest.
    ///
    /// Two measures are bounded by it: the brackets around a point (each `(`, `[`, `{`, argument list and
    /// `not` counts one), and the depth of the operations applied one to the result of another (each
    /// operator, filter, `.key`, `[index]`, call, list literal and map literal counts one). A list or map
    /// literal's size is bounded by ``maximumSourceBytes``, and evaluating it costs a step per entry. `((x))` is two deep by
    /// the first, `x | trim | upper` two deep by the second.
    package static let maximumExpressionDepth = 64

    /// How deeply `if` and `for` blocks may nest inside each other.
    package static let maximumBlockDepth = 64

    /// The most text one render of a template may produce, in bytes of UTF-8 (4 MiB); also the
    /// largest string any filter or `~` may make.
    package static let maximumOutputBytes = 4 << 20

    /// The most evaluation work one render of a template may do, in steps.
    ///
    /// A step is one node, one expression, one loop iteration, or each started KiB of text that a
    /// filter, an operator, a comparison or a key lookup reads or writes (a list or map entry counts
    /// as 16 bytes, an occurrence `replace` may find as 256). A render at the limit takes at most about
    /// 4 s in a release build (measured with the costliest filters on 1 MiB strings), about 5 s in a
    /// debug build for plain loops.
    package static let maximumSteps = 1_000_000

    /// The most problems reported for one parse or one render of a template; one more line counts the rest.
    package static let maximumDiagnostics = 100

    /// The bytes one step pays for when a filter, an operator or a comparison handles text.
    static let bytesPerStep = 1024

    /// `1 MiB` / `4 MiB` for messages.
    static func size(_ bytes: Int) -> String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }
}
