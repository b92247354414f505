import CfgBackend
import Foundation
import Testing

@testable import CfgProcess

/// `cfg run`'s decisions, driven through minutes of a fake clock: a `Date` that only the tests move.
///
/// Every scenario checks `nextDeadline` as it goes (``Driver/expectDeadline(_:sourceLocation:)``): it must name
/// the earliest due item, so a tick a moment before it does nothing and a tick at it deals with what is due.
struct SupervisorTests {
    static let db = SecretPath("database/creds/airflow")
    static let cache = SecretPath("database/creds/cache")

    static func policy(
        refresh: Duration? = .seconds(300),
        onChange: Supervisor.OnChange = .restart,
        debounce: Duration = .seconds(5),
        stopSignal: Int32 = SIGTERM,
        stopTimeout: Duration = .seconds(30)
    ) -> Supervisor.Policy {
        Supervisor.Policy(
            refresh: refresh,
            onChange: onChange,
            debounce: debounce,
            stopSignal: stopSignal,
            stopTimeout: stopTimeout,
            retry: .seconds(10),
            terminating: [SIGTERM, SIGINT, SIGQUIT]
        )
    }

    /// A lease issued (or renewed) `issuedAt` seconds after the start.
    static func lease(_ id: String, seconds: Int64, renewable: Bool = true, issuedAt: Double = 0) -> SecretLease {
        SecretLease(id: id, duration: .seconds(seconds), renewable: renewable, issuedAt: Driver.t0 + issuedAt)
    }

    /// A driver whose command runs since second 0 with `leases`.
    static func started(
        _ policy: Supervisor.Policy = policy(),
        leases: [SecretPath: SecretLease] = [:],
        leasing: Bool = false
    ) -> Driver {
        var driver = Driver(policy)
        _ = driver.send(.started(leases: leases, leasing: leasing), at: 0)
        return driver
    }

    /// A driver that has stopped its command for a restart at second 306 (a change found by the refresh at 300).
    static func restarting(_ policy: Supervisor.Policy = policy()) -> Driver {
        var driver = started(policy)
        _ = driver.tick(at: 300)
        _ = driver.send(.refreshed(.changed(commandEnvironment: true), leases: [:], reissued: []), at: 301)
        _ = driver.tick(at: 306)
        return driver
    }

    // MARK: Start and exit

    @Test(arguments: [true, false])
    func startRenewsTheSessionOnlyWhenLeasing(_ leasing: Bool) {
        var driver = Driver(Self.policy())
        #expect(driver.nextDeadline == nil)
        let actions = driver.send(.started(leases: [:], leasing: leasing), at: 0)
        #expect(actions == (leasing ? [.renewSession] : []))
        driver.expectDeadline(300)
    }

    @Test func withoutPeriodicRefreshOrLeasesNothingIsEverDue() {
        let driver = Self.started(Self.policy(refresh: nil))
        driver.expectDeadline(nil)
    }

    @Test(arguments: [
        (ChildExit.exited(0), Int32(0)),
        (.exited(3), 3),
        (.exited(255), 255),
        (.signalled(SIGKILL), 137),
        (.signalled(SIGTERM), 143),
        (.signalled(SIGSEGV), 139),
    ])
    func commandExitEndsCfgWithItsCode(_ status: ChildExit, _ code: Int32) {
        var driver = Self.started(leases: [Self.db: Self.lease("l1", seconds: 60)], leasing: true)
        #expect(driver.send(.childExited(status), at: 12) == [.exit(status)])
        #expect(status.shellStatus == code)
        driver.expectDeadline(nil)
    }

    /// After `.exit`, every event is ignored, however much was pending.
    static let eventsAfterExit: [Supervisor.Event] = [
        .tick,
        .childExited(.exited(1)),
        .signal(SIGTERM, fromTerminal: false),
        .signal(SIGHUP, fromTerminal: false),
        .started(leases: [:], leasing: true),
        .refreshed(.changed(commandEnvironment: true), leases: [:], reissued: []),
        .refreshed(.failed, leases: [:], reissued: []),
        .leaseRenewed(db, lease("l1", seconds: 60, issuedAt: 500)),
        .leaseRenewalFailed(db),
        .sessionRenewed(next: Driver.t0 + 600),
        .sessionRenewalFailed,
    ]

    @Test(arguments: eventsAfterExit)
    func nothingHappensAfterExit(_ event: Supervisor.Event) {
        var driver = Self.started(leases: [Self.db: Self.lease("l1", seconds: 60)], leasing: true)
        _ = driver.send(.refreshed(.changed(commandEnvironment: true), leases: [:], reissued: []), at: 1)
        _ = driver.send(.sessionRenewed(next: Driver.t0 + 100), at: 2)
        #expect(driver.send(.childExited(.exited(0)), at: 3) == [.exit(.exited(0))])
        #expect(driver.send(event, at: 1_000) == [])
        #expect(driver.tick(at: 10_000) == [])
        driver.expectDeadline(nil)
    }

    // MARK: Signals

    @Test(arguments: [SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH, SIGTERM, SIGINT])
    func signalFromElsewhereIsForwarded(_ signal: Int32) {
        var driver = Self.started()
        #expect(driver.send(.signal(signal, fromTerminal: false), at: 10) == [.forward(signal)])
        driver.expectDeadline(300)
    }

    @Test(arguments: [SIGINT, SIGQUIT, SIGWINCH, SIGTSTP])
    func signalFromTheTerminalIsNotForwarded(_ signal: Int32) {
        var driver = Self.started()
        #expect(driver.send(.signal(signal, fromTerminal: true), at: 10) == [])
        driver.expectDeadline(300)
    }

    @Test(arguments: [(SIGTERM, false), (SIGINT, true), (SIGQUIT, false)])
    func terminatingSignalDuringARestartEndsCfgWhenTheCommandExits(_ signal: Int32, _ fromTerminal: Bool) {
        var driver = Self.restarting()
        #expect(
            driver.send(.signal(signal, fromTerminal: fromTerminal), at: 307)
                == (fromTerminal ? [] : [.forward(signal)])
        )
        driver.expectDeadline(336)
        #expect(driver.send(.childExited(.signalled(signal)), at: 308) == [.exit(.signalled(signal))])
        driver.expectDeadline(nil)
    }

    @Test func otherSignalDuringARestartDoesNotPreventTheNewStart() {
        var driver = Self.restarting()
        #expect(driver.send(.signal(SIGHUP, fromTerminal: false), at: 307) == [.forward(SIGHUP)])
        #expect(driver.send(.childExited(.signalled(SIGTERM)), at: 308) == [.spawn, .revokeRetired])
        driver.expectDeadline(601)
    }

    @Test func terminatingSignalWhileRunningEndsCfgWithTheCommand() {
        var driver = Self.started()
        #expect(driver.send(.signal(SIGTERM, fromTerminal: false), at: 10) == [.forward(SIGTERM)])
        #expect(driver.send(.childExited(.exited(0)), at: 11) == [.exit(.exited(0))])
    }

    @Test func changeAfterATerminatingSignalIsNotActedOn() {
        var driver = Self.started()
        #expect(driver.send(.signal(SIGTERM, fromTerminal: false), at: 10) == [.forward(SIGTERM)])
        #expect(driver.tick(at: 300) == [.refresh(reissue: [])])
        #expect(driver.send(.refreshed(.changed(commandEnvironment: true), leases: [:], reissued: []), at: 301) == [])
        #expect(driver.tick(at: 306) == [])
        #expect(driver.send(.childExited(.exited(0)), at: 320) == [.exit(.exited(0))])
    }

    /// A change waits for its debounce; SIGTERM arrives meanwhile and the command takes a while to exit. The change
    /// will never be acted on, so it is no longer a deadline (else the loop, which sleeps until `nextDeadline`,
    /// would tick without pause until the command exits).
    @Test func changeLeftPendingByATerminatingSignalIsNoLongerADeadline() {
        var driver = Self.started()
        _ = driver.tick(at: 300)
        _ = driver.send(.refreshed(.changed(commandEnvironment: true), leases: [:], reissued: []), at: 301)
        #expect(driver.send(.signal(SIGTERM, fromTerminal: false), at: 302) == [.forward(SIGTERM)])
        #expect(driver.tick(at: 306) == [])
        driver.expectDeadline(601)
    }

    // MARK: Changes and restarts

    @Test func changeIsActedOnOnlyAfterTheDebounce() {
        var driver = Self.started()
        driver.expectDeadline(300)
        #expect(driver.tick(at: 300) == [.refresh(reissue: [])])
        driver.expectDeadline(nil)
        #expect(driver.send(.refreshed(.changed(commandEnvironment: true), leases: [:], reissued: []), at: 301) == [])
        driver.expectDeadline(306)
        #expect(driver.tick(at: 303) == [])
        #expect(driver.tick(at: 305.9) == [])
        #expect(driver.tick(at: 306) == [.stop(SIGTERM)])
        driver.expectDeadline(336)
    }

    @Test func changesWithinTheDebounceCoalesceIntoOneStop() {
        var driver = Self.started(Self.policy(refresh: .seconds(3)))
        var stops = 0
        func tally(_ actions: [Supervisor.Action]) {
            stops += actions.count { if case .stop = $0 { true } else { false } }
        }
        #expect(driver.tick(at: 3) == [.refresh(reissue: [])])
        tally(driver.send(.refreshed(.changed(commandEnvironment: false), leases: [:], reissued: []), at: 3))
        driver.expectDeadline(6)
        #expect(driver.tick(at: 6) == [.refresh(reissue: [])])
        tally(driver.send(.refreshed(.changed(commandEnvironment: true), leases: [:], reissued: []), at: 6))
        // The first change's debounce (second 8) has no effect: the second change moved it to second 11.
        driver.expectDeadline(9)
        #expect(driver.tick(at: 9) == [.refresh(reissue: [])])
        tally(driver.send(.refreshed(.unchanged, leases: [:], reissued: []), at: 9))
        driver.expectDeadline(11)
        #expect(driver.tick(at: 10.9) == [])
        let actions = driver.tick(at: 11)
        tally(actions)
        #expect(actions == [.stop(SIGTERM)])
        driver.expectDeadline(12)
        tally(driver.tick(at: 12))
        tally(driver.send(.refreshed(.unchanged, leases: [:], reissued: []), at: 12))
        tally(driver.send(.childExited(.signalled(SIGTERM)), at: 13))
        tally(driver.tick(at: 15))
        tally(driver.send(.refreshed(.unchanged, leases: [:], reissued: []), at: 15))
        #expect(stops == 1)
    }

    @Test func commandExitDuringARestartStartsItAgainAndRevokesRetiredLeases() {
        var driver = Self.restarting()
        driver.expectDeadline(336)
        #expect(driver.send(.childExited(.signalled(SIGTERM)), at: 310) == [.spawn, .revokeRetired])
        driver.expectDeadline(601)
        #expect(driver.tick(at: 336) == [])
        // The new command's exit is the end of cfg.
        #expect(driver.send(.childExited(.exited(2)), at: 400) == [.exit(.exited(2))])
    }

    @Test func commandThatOutlivesTheStopTimeoutIsKilledOnce() {
        var driver = Self.restarting()
        driver.expectDeadline(336)
        #expect(driver.tick(at: 335.9) == [])
        #expect(driver.tick(at: 336) == [.kill])
        driver.expectDeadline(601)
        #expect(driver.tick(at: 337) == [])
        #expect(driver.tick(at: 400) == [])
        #expect(driver.send(.childExited(.signalled(SIGKILL)), at: 401) == [.spawn, .revokeRetired])
        driver.expectDeadline(601)
    }

    @Test(arguments: [SIGTERM, SIGINT, SIGQUIT, SIGUSR2])
    func restartStopsTheCommandWithTheStopSignal(_ signal: Int32) {
        var driver = Self.started(Self.policy(stopSignal: signal, stopTimeout: .seconds(7)))
        _ = driver.tick(at: 300)
        _ = driver.send(.refreshed(.changed(commandEnvironment: false), leases: [:], reissued: []), at: 300)
        #expect(driver.tick(at: 305) == [.stop(signal)])
        driver.expectDeadline(312)
    }

    /// What one change does under each `on_change`.
    struct ChangeCase: Sendable, CustomTestStringConvertible {
        var onChange: Supervisor.OnChange
        var commandEnvironment: Bool
        var actions: [Supervisor.Action]
        /// The next deadline after acting: the kill of a restart, or the next refresh.
        var deadline: Double
        var testDescription: String { "\(onChange), environment changed: \(commandEnvironment)" }
    }

    static let changeCases: [ChangeCase] = [
        ChangeCase(onChange: .restart, commandEnvironment: true, actions: [.stop(SIGTERM)], deadline: 335),
        ChangeCase(onChange: .restart, commandEnvironment: false, actions: [.stop(SIGTERM)], deadline: 335),
        ChangeCase(
            onChange: .signal(SIGHUP),
            commandEnvironment: false,
            actions: [.reload(SIGHUP), .revokeRetired],
            deadline: 600
        ),
        ChangeCase(
            onChange: .signal(SIGUSR1),
            commandEnvironment: false,
            actions: [.reload(SIGUSR1), .revokeRetired],
            deadline: 600
        ),
        ChangeCase(onChange: .signal(SIGHUP), commandEnvironment: true, actions: [.stop(SIGTERM)], deadline: 335),
        ChangeCase(onChange: .none, commandEnvironment: false, actions: [], deadline: 600),
        ChangeCase(onChange: .none, commandEnvironment: true, actions: [], deadline: 600),
    ]

    @Test(arguments: changeCases)
    func changeIsHandledAsOnChangeSays(_ change: ChangeCase) {
        var driver = Self.started(Self.policy(onChange: change.onChange))
        #expect(driver.tick(at: 300) == [.refresh(reissue: [])])
        _ = driver.send(
            .refreshed(.changed(commandEnvironment: change.commandEnvironment), leases: [:], reissued: []),
            at: 300
        )
        driver.expectDeadline(305)
        #expect(driver.tick(at: 305) == change.actions)
        driver.expectDeadline(change.deadline)
        // Without a restart under way, the command's exit is the end of cfg.
        let restarting = change.actions.contains(.stop(SIGTERM))
        #expect(
            driver.send(.childExited(.exited(0)), at: 320)
                == (restarting ? [.spawn, .revokeRetired] : [.exit(.exited(0))])
        )
    }

    @Test func filesThenEnvironmentChangeWithinTheDebounceRestartsUnderOnChangeSignal() {
        var driver = Self.started(Self.policy(refresh: .seconds(2), onChange: .signal(SIGHUP)))
        _ = driver.tick(at: 2)
        _ = driver.send(.refreshed(.changed(commandEnvironment: false), leases: [:], reissued: []), at: 2)
        _ = driver.tick(at: 4)
        _ = driver.send(.refreshed(.changed(commandEnvironment: true), leases: [:], reissued: []), at: 4)
        _ = driver.tick(at: 6)
        _ = driver.send(.refreshed(.unchanged, leases: [:], reissued: []), at: 6)
        _ = driver.tick(at: 8)
        _ = driver.send(.refreshed(.unchanged, leases: [:], reissued: []), at: 8)
        #expect(driver.tick(at: 9) == [.stop(SIGTERM)])
        #expect(driver.send(.childExited(.signalled(SIGTERM)), at: 9.5) == [.spawn, .revokeRetired])
        // The environment change was acted on: the next files-only change reloads again.
        _ = driver.tick(at: 10)
        _ = driver.send(.refreshed(.changed(commandEnvironment: false), leases: [:], reissued: []), at: 10)
        _ = driver.tick(at: 12)
        _ = driver.send(.refreshed(.unchanged, leases: [:], reissued: []), at: 12)
        _ = driver.tick(at: 14)
        _ = driver.send(.refreshed(.unchanged, leases: [:], reissued: []), at: 14)
        #expect(driver.tick(at: 15) == [.reload(SIGHUP), .revokeRetired])
    }

    /// The command is being stopped when a refresh finds newer values; `.spawn` starts it with the latest values,
    /// those included, so the change is served and does not stop the new command once more.
    @Test func changeFoundDuringARestartIsAppliedByTheNewStartAlone() {
        var driver = Self.started(Self.policy(refresh: .seconds(2)))
        _ = driver.tick(at: 2)
        _ = driver.send(.refreshed(.changed(commandEnvironment: true), leases: [:], reissued: []), at: 2)
        _ = driver.tick(at: 4)
        _ = driver.send(.refreshed(.unchanged, leases: [:], reissued: []), at: 4)
        _ = driver.tick(at: 6)
        _ = driver.send(.refreshed(.unchanged, leases: [:], reissued: []), at: 6)
        #expect(driver.tick(at: 7) == [.stop(SIGTERM)])
        _ = driver.tick(at: 8)
        _ = driver.send(.refreshed(.changed(commandEnvironment: true), leases: [:], reissued: []), at: 8)
        #expect(driver.send(.childExited(.signalled(SIGTERM)), at: 9) == [.spawn, .revokeRetired])
        #expect(driver.tick(at: 10) == [.refresh(reissue: [])])
        _ = driver.send(.refreshed(.unchanged, leases: [:], reissued: []), at: 10)
        #expect(driver.tick(at: 12) == [.refresh(reissue: [])])
        _ = driver.send(.refreshed(.unchanged, leases: [:], reissued: []), at: 12)
        driver.expectDeadline(14)
        #expect(driver.tick(at: 13) == [])
    }

    // MARK: Periodic refresh

    @Test func refreshIsRequestedAtEachInterval() {
        var driver = Self.started()
        #expect(driver.tick(at: 299) == [])
        #expect(driver.tick(at: 300) == [.refresh(reissue: [])])
        #expect(driver.send(.refreshed(.unchanged, leases: [:], reissued: []), at: 302) == [])
        driver.expectDeadline(602)
        #expect(driver.tick(at: 602) == [.refresh(reissue: [])])
        #expect(driver.send(.refreshed(.unchanged, leases: [:], reissued: []), at: 603) == [])
        driver.expectDeadline(903)
    }

    @Test func noSecondRefreshWhileOneIsInFlight() {
        var driver = Self.started(leases: [Self.db: Self.lease("l1", seconds: 900, renewable: false)])
        #expect(driver.tick(at: 300) == [.refresh(reissue: [])])
        driver.expectDeadline(600)
        // The lease's reissue comes due while the refresh is still reading.
        #expect(driver.tick(at: 600) == [])
        driver.expectDeadline(nil)
        #expect(driver.tick(at: 900) == [])
        // The refresh ends without that secret: the reissue follows at once.
        let renewed = [Self.db: Self.lease("l1", seconds: 900, renewable: false)]
        #expect(
            driver.send(.refreshed(.unchanged, leases: renewed, reissued: []), at: 901) == [
                .refresh(reissue: [Self.db])
            ]
        )
        driver.expectDeadline(nil)
    }

    @Test func failedRefreshIsRetriedAfterTheRetryDelay() {
        var driver = Self.started()
        #expect(driver.tick(at: 300) == [.refresh(reissue: [])])
        #expect(driver.send(.refreshed(.failed, leases: [:], reissued: []), at: 305) == [])
        driver.expectDeadline(315)
        #expect(driver.tick(at: 314.9) == [])
        #expect(driver.tick(at: 315) == [.refresh(reissue: [])])
        #expect(driver.send(.refreshed(.unchanged, leases: [:], reissued: []), at: 316) == [])
        driver.expectDeadline(616)
    }

    @Test func failedReissueIsRetriedWithTheSamePaths() {
        var driver = Self.started(
            Self.policy(refresh: nil),
            leases: [Self.db: Self.lease("l1", seconds: 60, renewable: false)]
        )
        #expect(driver.tick(at: 40) == [.refresh(reissue: [Self.db])])
        #expect(driver.send(.refreshed(.failed, leases: [:], reissued: []), at: 41) == [])
        driver.expectDeadline(51)
        #expect(driver.tick(at: 51) == [.refresh(reissue: [Self.db])])
    }

    // MARK: Leases

    @Test func renewableLeaseIsRenewedAtTwoThirdsAndNotBefore() {
        let lease = Self.lease("l1", seconds: 60)
        var driver = Self.started(Self.policy(refresh: nil), leases: [Self.db: lease], leasing: true)
        driver.expectDeadline(40)
        #expect(driver.tick(at: 20) == [])
        #expect(driver.tick(at: 39.9) == [])
        #expect(driver.tick(at: 40) == [.renew(Self.db, lease, increment: .seconds(60))])
        // The renewal is in flight: nothing more is due.
        driver.expectDeadline(nil)
        #expect(driver.tick(at: 50) == [])
    }

    @Test(arguments: [(Int64(60), 40.0), (90, 60), (3_600, 2_400), (86_400, 57_600)])
    func leaseComesDueAtTwoThirdsOfItsDuration(_ seconds: Int64, _ due: Double) {
        let lease = Self.lease("l1", seconds: seconds)
        var driver = Self.started(Self.policy(refresh: nil), leases: [Self.db: lease])
        driver.expectDeadline(due)
        #expect(driver.tick(at: due) == [.renew(Self.db, lease, increment: .seconds(seconds))])
    }

    @Test func fullRenewalSchedulesTheNextAtTwoThirdsOfTheNewLease() {
        var driver = Self.started(Self.policy(refresh: nil), leases: [Self.db: Self.lease("l1", seconds: 60)])
        _ = driver.tick(at: 40)
        let renewed = Self.lease("l1", seconds: 60, issuedAt: 41)
        #expect(driver.send(.leaseRenewed(Self.db, renewed), at: 41) == [])
        driver.expectDeadline(81)
        #expect(driver.tick(at: 80.9) == [])
        #expect(driver.tick(at: 81) == [.renew(Self.db, renewed, increment: .seconds(60))])
    }

    @Test func shortRenewalNearTheMaximumTTLLeadsToAReissue() {
        var driver = Self.started(Self.policy(refresh: nil), leases: [Self.db: Self.lease("l1", seconds: 60)])
        _ = driver.tick(at: 40)
        #expect(driver.send(.leaseRenewed(Self.db, Self.lease("l1", seconds: 30, issuedAt: 41)), at: 41) == [])
        driver.expectDeadline(61)
        #expect(driver.tick(at: 60.9) == [])
        #expect(driver.tick(at: 61) == [.refresh(reissue: [Self.db])])
        driver.expectDeadline(nil)
    }

    @Test func renewalAnsweredAsNotRenewableLeadsToAReissue() {
        var driver = Self.started(Self.policy(refresh: nil), leases: [Self.db: Self.lease("l1", seconds: 60)])
        _ = driver.tick(at: 40)
        let renewed = Self.lease("l1", seconds: 60, renewable: false, issuedAt: 40)
        #expect(driver.send(.leaseRenewed(Self.db, renewed), at: 40) == [])
        driver.expectDeadline(80)
        #expect(driver.tick(at: 80) == [.refresh(reissue: [Self.db])])
    }

    @Test func nonRenewableLeaseIsReissuedAtTwoThirds() {
        var driver = Self.started(leases: [Self.db: Self.lease("l1", seconds: 60, renewable: false)])
        driver.expectDeadline(40)
        #expect(driver.tick(at: 40) == [.refresh(reissue: [Self.db])])
        driver.expectDeadline(nil)
        // The new secret gets a new lease, tracked from its own issue; the periodic refresh restarts from here.
        let fresh = Self.lease("l2", seconds: 60, renewable: false, issuedAt: 41)
        #expect(
            driver.send(
                .refreshed(.changed(commandEnvironment: true), leases: [Self.db: fresh], reissued: [Self.db]),
                at: 41
            )
                == []
        )
        driver.expectDeadline(46)
        #expect(driver.tick(at: 46) == [.stop(SIGTERM)])
        driver.expectDeadline(76)
        #expect(driver.send(.childExited(.signalled(SIGTERM)), at: 47) == [.spawn, .revokeRetired])
        driver.expectDeadline(81)
        #expect(driver.tick(at: 81) == [.refresh(reissue: [Self.db])])
    }

    @Test func leasesComingDueTogetherAreHandledInOneTick() {
        let renewable = Self.lease("l1", seconds: 60)
        let fixed = Self.lease("l2", seconds: 60, renewable: false)
        var driver = Self.started(Self.policy(refresh: nil), leases: [Self.db: renewable, Self.cache: fixed])
        driver.expectDeadline(40)
        #expect(
            driver.tick(at: 40) == [
                .renew(Self.db, renewable, increment: .seconds(60)), .refresh(reissue: [Self.cache]),
            ]
        )
    }

    /// A renewal fails at `failedAt`; the 60 s lease was issued at 0 and expires at 60, the retry delay is 10 s.
    @Test(arguments: [(40.0, 50.0), (45, 55), (49, 59)])
    func failedRenewalIsRetriedWhileTheLeaseLives(_ failedAt: Double, _ retryAt: Double) {
        let lease = Self.lease("l1", seconds: 60)
        var driver = Self.started(Self.policy(refresh: nil), leases: [Self.db: lease])
        _ = driver.tick(at: 40)
        #expect(driver.send(.leaseRenewalFailed(Self.db), at: failedAt) == [])
        driver.expectDeadline(retryAt)
        #expect(driver.tick(at: retryAt) == [.renew(Self.db, lease, increment: .seconds(60))])
    }

    @Test(arguments: [50.0, 55, 59.9])
    func failedRenewalWhoseRetryWouldBePastExpiryReissuesAtOnce(_ failedAt: Double) {
        var driver = Self.started(Self.policy(refresh: nil), leases: [Self.db: Self.lease("l1", seconds: 60)])
        _ = driver.tick(at: 40)
        #expect(driver.send(.leaseRenewalFailed(Self.db), at: failedAt) == [.refresh(reissue: [Self.db])])
        driver.expectDeadline(nil)
    }

    @Test func renewalOfALeaseNoLongerInUseIsIgnored() {
        var driver = Self.started(Self.policy(refresh: nil), leases: [Self.db: Self.lease("l1", seconds: 60)])
        #expect(driver.send(.leaseRenewed(Self.db, Self.lease("old", seconds: 600, issuedAt: 10)), at: 10) == [])
        #expect(driver.send(.leaseRenewed(Self.cache, Self.lease("l1", seconds: 600, issuedAt: 10)), at: 10) == [])
        #expect(driver.send(.leaseRenewalFailed(Self.cache), at: 10) == [])
        driver.expectDeadline(40)
    }

    // MARK: Backend session

    @Test func sessionIsRenewedWhenTheBackendSaysAndRetriedAfterAFailure() {
        var driver = Self.started(Self.policy(refresh: nil), leasing: true)
        #expect(driver.send(.sessionRenewed(next: Driver.t0 + 3_600), at: 1) == [])
        driver.expectDeadline(3_600)
        #expect(driver.tick(at: 3_600) == [.renewSession])
        driver.expectDeadline(nil)
        #expect(driver.send(.sessionRenewalFailed, at: 3_601) == [])
        driver.expectDeadline(3_611)
        #expect(driver.tick(at: 3_611) == [.renewSession])
        #expect(driver.send(.sessionRenewed(next: nil), at: 3_612) == [])
        driver.expectDeadline(nil)
    }
}

extension SupervisorTests {
    /// A supervisor and the fake clock its events carry: time is given in seconds since ``t0`` and only moves forward.
    struct Driver {
        static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

        var machine: Supervisor
        private(set) var elapsed: Double = 0

        init(_ policy: Supervisor.Policy) {
            machine = Supervisor(policy: policy)
        }

        /// `machine.nextDeadline` in seconds since ``t0``.
        var nextDeadline: Double? { machine.nextDeadline?.timeIntervalSince(Self.t0) }

        mutating func send(
            _ event: Supervisor.Event,
            at seconds: Double,
            sourceLocation: SourceLocation = #_sourceLocation
        ) -> [Supervisor.Action] {
            #expect(seconds >= elapsed, "the clock went back", sourceLocation: sourceLocation)
            elapsed = seconds
            return machine.handle(event, now: Self.t0 + seconds)
        }

        mutating func tick(at seconds: Double, sourceLocation: SourceLocation = #_sourceLocation) -> [Supervisor.Action]
        {
            send(.tick, at: seconds, sourceLocation: sourceLocation)
        }

        /// Checks that `nextDeadline` is `expected` and is the earliest due item: on copies of the machine, a tick just
        /// before it does nothing and leaves it, and a tick at it acts or moves it later.
        func expectDeadline(_ expected: Double?, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(nextDeadline == expected, sourceLocation: sourceLocation)
            guard let deadline = nextDeadline else { return }
            if deadline - 0.001 >= elapsed {
                var early = self
                #expect(early.tick(at: deadline - 0.001) == [], sourceLocation: sourceLocation)
                #expect(early.nextDeadline == deadline, sourceLocation: sourceLocation)
            }
            var onTime = self
            let actions = onTime.tick(at: max(deadline, elapsed))
            let moved = onTime.nextDeadline.map { $0 > deadline } ?? true
            #expect(!actions.isEmpty || moved, "a tick at the deadline changed nothing", sourceLocation: sourceLocation)
        }
    }
}
