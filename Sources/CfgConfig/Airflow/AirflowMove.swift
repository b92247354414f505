/// An option Airflow still reads under an old name (its `deprecated_options`), with the name to use instead.
package struct AirflowMove: Sendable, Hashable {
    /// The old name.
    package var from: AirflowOptionKey
    /// The current name: when the new name moved again, the last one.
    package var to: AirflowOptionKey
    /// The Airflow version that moved it.
    package var since: String

    package init(from: AirflowOptionKey, to: AirflowOptionKey, since: String) {
        self.from = from
        self.to = to
        self.since = since
    }
}
