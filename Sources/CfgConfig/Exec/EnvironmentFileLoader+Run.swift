extension EnvironmentFileLoader {
    /// `run: { refresh, on_change, signal, debounce, stop_signal, stop_timeout }`.
    static func parseRun(_ node: ConfigNode) throws(ConfigError) -> RunConfig {
        let fields = try node.mapping(
            allowed: ["refresh", "on_change", "signal", "debounce", "stop_signal", "stop_timeout"]
        )
        var run = RunConfig()
        if let refresh = fields["refresh"] {
            let text = try refresh.string()
            if text == "never" {
                run.refresh = nil
            } else {
                run.refresh = try seconds(refresh, expected: "a duration such as 5m, or never")
            }
        }
        if let debounce = fields["debounce"] {
            run.debounce = try seconds(debounce, expected: "a duration such as 5s")
        }
        if let timeout = fields["stop_timeout"] {
            run.stopTimeout = try seconds(timeout, expected: "a duration such as 30s")
        }
        if let stop = fields["stop_signal"] {
            run.stopSignal = try signal(stop)
        }
        let reload = try fields["signal"].map { node throws(ConfigError) in try signal(node) }
        switch try fields["on_change"]?.string() {
        case nil, "restart":
            run.onChange = .restart
            if let node = fields["signal"], reload != nil {
                throw node.invalid(expected: "no signal unless on_change is signal")
            }
        case "signal":
            run.onChange = .signal(reload ?? .hup)
        case "none":
            run.onChange = .none
            if let node = fields["signal"], reload != nil {
                throw node.invalid(expected: "no signal unless on_change is signal")
            }
        default:
            throw fields["on_change"].map { $0.invalid(expected: "restart, signal or none") }
                ?? node.invalid(expected: "restart, signal or none")
        }
        return run
    }

    private static func seconds(_ node: ConfigNode, expected: String) throws(ConfigError) -> Int {
        guard let seconds = parseDuration(try node.string()) else { throw node.invalid(expected: expected) }
        return seconds
    }

    private static func signal(_ node: ConfigNode) throws(ConfigError) -> SignalName {
        guard let name = SignalName(parsing: try node.string()) else {
            throw node.invalid(
                expected: "a signal name (" + SignalName.allCases.map(\.rawValue).joined(separator: ", ") + ")"
            )
        }
        return name
    }
}
