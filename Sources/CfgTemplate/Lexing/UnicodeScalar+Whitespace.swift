extension Unicode.Scalar {
    /// Unicode's White_Space property (`properties.isWhitespace`), with ASCII answered without the property table:
    /// templates and settings are mostly ASCII, and their lexers ask for every scalar.
    package var isWhitespace: Bool {
        if value < 0x80 {
            return value == 0x20 || (0x09...0x0D).contains(value)
        }
        return properties.isWhitespace
    }
}
