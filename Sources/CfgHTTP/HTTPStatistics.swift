/// Counters of one transport, for tests and performance figures.
package struct HTTPStatistics: Sendable, Hashable {
    /// Requests that received a complete response (any status).
    package var requests: Int
    /// Connections opened, over all transfers (the sum of libcurl's `CURLINFO_NUM_CONNECTS`).
    package var connectionsOpened: Int
    /// The most transfers that were running at once (on libcurl's multi handle, not waiting for room).
    package var mostTransfersAtOnce: Int

    /// Creates counters.
    package init(requests: Int = 0, connectionsOpened: Int = 0, mostTransfersAtOnce: Int = 0) {
        self.requests = requests
        self.connectionsOpened = connectionsOpened
        self.mostTransfersAtOnce = mostTransfersAtOnce
    }
}
