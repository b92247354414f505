extension TemplateValue {
    /// The value as JSON text (what the `json` filter outputs): maps keep their key order. Nil for an unresolved
    /// value or a non-finite number.
    package var jsonText: String? {
        try? TemplateFilter.json(self)
    }
}
