/// A signal a configuration may name, without `SIG` (`HUP`); the engine maps it to the platform's number.
package enum SignalName: String, Sendable, Hashable, CaseIterable {
    case hup = "HUP"
    case int = "INT"
    case quit = "QUIT"
    case usr1 = "USR1"
    case usr2 = "USR2"
    case term = "TERM"
    case winch = "WINCH"
    case kill = "KILL"

    /// `HUP`, `SIGHUP` or `sighup`.
    package init?(parsing text: String) {
        let upper = text.uppercased()
        self.init(rawValue: upper.hasPrefix("SIG") ? String(upper.dropFirst(3)) : upper)
    }
}
