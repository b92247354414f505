import CfgConfig

/// Splits the input, read as UTF-8, with every ``URICredentials`` reader, and checks that each component's range
/// lies in the value, in order, and that decoding accepts it.
package func fuzzURICredentials(_ bytes: UnsafeRawBufferPointer) {
    let value = String(decoding: bytes, as: UTF8.self)
    let count = value.unicodeScalars.count
    for reader in [URICredentials.Reader.sqlAlchemy, .urlSplit, .urlSplitRaw, .kombu, .airflowConnection] {
        var end = 0
        for component in URICredentials.components(of: value, reader: reader) {
            precondition(component.range.lowerBound >= end && component.range.upperBound <= count)
            end = component.range.upperBound
            _ = URICredentials.unquote(component.decoded)
        }
    }
    _ = URICredentials.reader(forVariable: "AIRFLOW_CONN_X", value: value)
}
