internal import CCurl
import CfgSecure
import FoundationEssentials
import Synchronization

/// A libcurl multi handle driven by one dedicated OS thread, never by Swift's cooperative pool.
///
/// Tasks queue a planned request under the lock, wake the thread with `curl_multi_wakeup` and suspend on a
/// continuation. The thread adds queued requests to the multi handle, runs `curl_multi_perform` and
/// `curl_multi_poll`, and resumes each continuation when libcurl reports the transfer done. Connections
/// stay in the multi handle's cache between requests, and easy handles are reset and reused.
///
/// `@unchecked Sendable`: this class owns a C handle. Invariant: the multi handle and every easy handle are
/// used only by the worker thread, except `curl_multi_wakeup`, which libcurl allows from any thread and which
/// is called only while holding `state` and only before `state.isShutDown` is set. The worker cleans the multi
/// handle up only after it has seen `isShutDown` under the same lock, so no wakeup can reach a freed handle.
final class CurlMultiLoop: @unchecked Sendable {
    /// A request waiting for the worker.
    private struct Queued: Sendable {
        var id: UInt64
        var plan: CurlRequestPlan
        var continuation: CurlContinuation
        /// When the request was queued: its timeout counts from here, also while it waits for room.
        var queuedAt: ContinuousClock.Instant
    }

    /// Everything tasks and the worker share.
    private struct State: Sendable {
        var nextID: UInt64 = 0
        /// Requests the worker has not picked up yet.
        var queued: [Queued] = []
        /// Requests that are queued or running.
        var inFlight: Set<UInt64> = []
        /// In-flight requests whose task was cancelled since the worker last looked.
        var cancelled: Set<UInt64> = []
        var isShutDown = false
        var statistics = HTTPStatistics()
    }

    /// What the worker takes from the shared state on each turn.
    private struct Work: Sendable {
        var queued: [Queued]
        var cancelled: Set<UInt64>
        var stop: Bool
    }

    /// How long one `curl_multi_poll` waits at most while transfers run; a wakeup or libcurl's own timers end it
    /// sooner.
    private static let pollMilliseconds: Int32 = 1000
    /// How long it waits with no transfer: a wakeup (a queued request, a cancellation, the shutdown) or libcurl's
    /// own timers end it. An idle `cfg run` keeps this thread; a shorter wait would wake it for nothing.
    private static let idlePollMilliseconds: Int32 = 3_600_000
    /// Idle easy handles kept for reuse.
    private static let easyHandlePoolSize = 32

    private let multi: UnsafeMutableRawPointer
    private let options: HTTPClientOptions
    private let state = Mutex(State())

    /// Creates the multi handle; ``start()`` starts the worker thread.
    ///
    /// - Throws: ``HTTPError/Kind/transfer`` when libcurl cannot be initialised.
    init(options: HTTPClientOptions) throws(HTTPError) {
        if let failure = CurlRuntime.initialise() {
            throw HTTPError(.transfer, failure)
        }
        guard let multi = curl_multi_init() else {
            throw HTTPError(.transfer, "libcurl could not be initialised")
        }
        _ = cfg_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, options.maxConnectionsPerHost)
        self.multi = multi
        self.options = options
    }

    /// Starts the worker thread, which runs until ``shutdown()``.
    func start() {
        DetachedThread.start(name: "cfg-curl") { [self] in run() }
    }

    /// Counters so far.
    var statistics: HTTPStatistics {
        state.withLock { $0.statistics }
    }

    /// Runs `plan` on the worker thread and waits for its result; cancelling the task aborts the transfer.
    func perform(_ plan: CurlRequestPlan) async -> Result<HTTPResponse, HTTPError> {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CurlContinuation) in
                enqueue(Queued(id: id, plan: plan, continuation: continuation, queuedAt: .now))
            }
        } onCancel: {
            cancel(id)
        }
    }

    /// Stops the worker: running and queued requests fail with ``HTTPError/Kind/cancelled``, and so does
    /// every later request. Idempotent; returns without waiting for the thread.
    func shutdown() {
        state.withLock { state in
            guard !state.isShutDown else { return }
            state.isShutDown = true
            _ = curl_multi_wakeup(multi)
        }
    }

    // MARK: - Called by tasks

    private func enqueue(_ request: Queued) {
        let refusal: HTTPError? = state.withLock { state in
            if state.isShutDown {
                return .cancelled(request.plan, shutDown: true)
            }
            // Checked under the lock: a cancellation handler that ran before this point found no request to
            // mark, but it ran after the task's cancelled flag was set.
            if Task.isCancelled {
                return .cancelled(request.plan)
            }
            state.queued.append(request)
            state.inFlight.insert(request.id)
            _ = curl_multi_wakeup(multi)
            return nil
        }
        if let refusal {
            request.continuation.resume(returning: .failure(refusal))
        }
    }

    private func cancel(_ id: UInt64) {
        state.withLock { state in
            guard !state.isShutDown, state.inFlight.contains(id) else { return }
            state.cancelled.insert(id)
            _ = curl_multi_wakeup(multi)
        }
    }

    // MARK: - Worker thread

    /// Transfers on the multi handle, by easy handle, and the requests waiting for room (worker thread only).
    ///
    /// At most ``HTTPClientOptions/maxConnectionsPerHost`` transfers are on the multi handle at once: more would
    /// only wait in libcurl's queue for a connection, each with its easy handle and buffers already allocated
    /// (about 25 KiB a request), so a thousand queued reads took tens of MiB. The others wait here as plans.
    private final class Running {
        var transfers: [UnsafeMutableRawPointer: CurlTransfer] = [:]
        var idleHandles: [UnsafeMutableRawPointer] = []
        var waiting: [Queued] = []
    }

    private func run() {
        let running = Running()
        while true {
            let work = state.withLock { state in
                let work = Work(queued: state.queued, cancelled: state.cancelled, stop: state.isShutDown)
                state.queued = []
                state.cancelled = []
                return work
            }
            running.waiting += work.queued
            if work.stop {
                for request in running.waiting {
                    complete(request.id, request.continuation, .failure(.cancelled(request.plan, shutDown: true)))
                }
                for transfer in Array(running.transfers.values) {
                    abort(transfer, running, shutDown: true)
                }
                break
            }
            if !work.cancelled.isEmpty {
                cancelWaiting(work.cancelled, running)
                for transfer in running.transfers.values where work.cancelled.contains(transfer.id) {
                    abort(transfer, running, shutDown: false)
                }
            }
            expireWaiting(running)
            beginWaiting(running)
            var stillRunning: Int32 = 0
            _ = curl_multi_perform(multi, &stillRunning)
            collectFinished(running)
            if !running.waiting.isEmpty && running.transfers.count < options.maxConnectionsPerHost {
                continue  // room freed: start the next requests before waiting
            }
            let wait = running.transfers.isEmpty ? CurlMultiLoop.idlePollMilliseconds : CurlMultiLoop.pollMilliseconds
            _ = curl_multi_poll(multi, nil, 0, wait, nil)
        }
        for easy in running.idleHandles {
            curl_easy_cleanup(easy)
        }
        curl_multi_cleanup(multi)
    }

    /// Starts waiting requests, oldest first, while the multi handle has room.
    private func beginWaiting(_ running: Running) {
        let room = options.maxConnectionsPerHost - running.transfers.count
        guard room > 0, !running.waiting.isEmpty else { return }
        let count = min(room, running.waiting.count)
        let starting = running.waiting.prefix(count)
        running.waiting.removeFirst(count)
        for request in starting {
            begin(request, running)
        }
        let active = running.transfers.count
        state.withLock { state in
            state.statistics.mostTransfersAtOnce = max(state.statistics.mostTransfersAtOnce, active)
        }
    }

    /// Fails the waiting requests whose timeout has passed. The worker wakes at least once a second while requests
    /// run, so a waiting request ends within about a second of its timeout however long the running ones take.
    private func expireWaiting(_ running: Running) {
        let now = ContinuousClock.now
        failWaiting(running) { now - $0.queuedAt >= $0.plan.timeout ? .timedOutWaiting($0.plan) : nil }
    }

    /// Fails the waiting requests whose task was cancelled.
    private func cancelWaiting(_ cancelled: Set<UInt64>, _ running: Running) {
        failWaiting(running) { cancelled.contains($0.id) ? .cancelled($0.plan) : nil }
    }

    /// Completes each waiting request for which `failure` gives an error with that error, keeping the others in order.
    private func failWaiting(_ running: Running, _ failure: (Queued) -> HTTPError?) {
        var kept: [Queued] = []
        for request in running.waiting {
            if let error = failure(request) {
                complete(request.id, request.continuation, .failure(error))
            } else {
                kept.append(request)
            }
        }
        running.waiting = kept
    }

    /// Puts a queued request on an easy handle and adds it to the multi handle.
    private func begin(_ request: Queued, _ running: Running) {
        // The time the request waited for room counts against its timeout.
        var plan = request.plan
        plan.timeout -= ContinuousClock.now - request.queuedAt
        guard plan.timeout > .zero else {
            complete(request.id, request.continuation, .failure(.timedOutWaiting(plan)))
            return
        }
        guard let easy = running.idleHandles.popLast() ?? curl_easy_init() else {
            let error = HTTPError(
                .transfer,
                "libcurl could not create a transfer handle for the request to \(request.plan.target)"
            )
            complete(request.id, request.continuation, .failure(error))
            return
        }
        let transfer = CurlTransfer(id: request.id, plan: plan, continuation: request.continuation, easy: easy)
        do {
            try transfer.configure(options)
        } catch {
            recycle(easy, running)
            complete(request.id, request.continuation, .failure(error))
            return
        }
        let added = curl_multi_add_handle(multi, easy)
        guard added == CURLM_OK else {
            recycle(easy, running)
            let detail = String(cString: curl_multi_strerror(added))
            let error = HTTPError(
                .transfer,
                "libcurl could not start the request to \(request.plan.target) (\(detail))"
            )
            complete(request.id, request.continuation, .failure(error))
            return
        }
        running.transfers[easy] = transfer
    }

    /// Reads libcurl's completion messages and resumes the finished requests.
    private func collectFinished(_ running: Running) {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            // Read before removing the handle, which invalidates the message.
            let code = cfg_curl_message_result(message)
            guard let transfer = running.transfers.removeValue(forKey: easy) else { continue }
            _ = curl_multi_remove_handle(multi, easy)
            let result = transfer.result(for: code)
            let connections = transfer.connectionsOpened
            recycle(easy, running)
            complete(transfer.id, transfer.continuation, result, connectionsOpened: connections)
        }
    }

    /// Removes a running transfer from the multi handle, which closes its connection, and fails it.
    private func abort(_ transfer: CurlTransfer, _ running: Running, shutDown: Bool) {
        running.transfers[transfer.easy] = nil
        _ = curl_multi_remove_handle(multi, transfer.easy)
        let connections = transfer.connectionsOpened
        recycle(transfer.easy, running)
        let error = HTTPError.cancelled(transfer.plan, shutDown: shutDown)
        complete(transfer.id, transfer.continuation, .failure(error), connectionsOpened: connections)
    }

    /// Resets an easy handle (dropping its pointers into the finished transfer) and keeps it for reuse.
    private func recycle(_ easy: UnsafeMutableRawPointer, _ running: Running) {
        curl_easy_reset(easy)
        if running.idleHandles.count < CurlMultiLoop.easyHandlePoolSize {
            running.idleHandles.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
    }

    /// Updates the shared state for a finished request and resumes its task.
    private func complete(
        _ id: UInt64,
        _ continuation: CurlContinuation,
        _ result: Result<HTTPResponse, HTTPError>,
        connectionsOpened: Int = 0
    ) {
        state.withLock { state in
            state.inFlight.remove(id)
            state.cancelled.remove(id)
            state.statistics.connectionsOpened += connectionsOpened
            if case .success = result {
                state.statistics.requests += 1
            }
        }
        continuation.resume(returning: result)
    }
}
