/// A function callable from a template expression.
enum TemplateFunction: String, Sendable, CaseIterable {
    /// `env("NAME")`: an environment variable; its result is marked secret.
    case env

    /// How many arguments the function takes.
    var arity: ClosedRange<Int> {
        switch self {
        case .env: return 1...1
        }
    }
}
