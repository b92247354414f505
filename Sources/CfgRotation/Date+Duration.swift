import FoundationEssentials

extension Date {
    /// `date + duration`, so policies stay in `Duration` (what the environment file parses) and time arithmetic in
    /// one place. Internal: CfgProcess has its own, and the two must not meet in one importer.
    static func + (date: Date, duration: Duration) -> Date {
        let (seconds, attoseconds) = duration.components
        return date.addingTimeInterval(TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18)
    }
}
