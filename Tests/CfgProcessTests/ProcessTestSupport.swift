import CfgProcess
import CfgTestSupport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The children tests start, and how a test waits for them without hanging.
///
/// Every child is a `/bin/sh -c` script that waits for its test (``idle``) as long as the test runner lives, at most
/// 5 minutes, so a failed test leaves no process behind for long; waits give up after ``patience`` (a hang guard,
/// never a timing assertion).
enum Child {
    /// How long a test waits for anything before it gives up.
    static let patience: Duration = .seconds(120)

    static let path = "/usr/local/bin:/usr/bin:/bin"

    /// Held by every test that changes the process's core limit (`exec` does, around `execve`).
    static let coreLimitLock = Mutex(())

    /// Waits in short sleeps, so that a trap runs within 50 ms of its signal, while the process that started the
    /// script ($PPID: the test runner) lives, and 5 minutes at most: longer than a test waits for anything
    /// (``patience``). A child that ended by itself sooner (it waited 30 s) was sometimes gone before its signal was
    /// sent: on a loaded machine, a full test run had a test wait more than 30 s between starting the child and
    /// sending it the signal, and the test saw the child exit 0 as if the signal had been lost.
    static let idle = "i=0; while [ $i -lt 6000 ] && kill -0 $PPID 2>/dev/null; do sleep 0.05; i=$((i+1)); done"

    /// `/bin/sh -c script`, with a plain `PATH` and `environment`.
    static func shell(_ script: String, environment: [(name: String, value: String)] = []) -> Command {
        Command(arguments: ["/bin/sh", "-c", script], environment: [(name: "PATH", value: path)] + environment)
    }

    /// Starts `command` with a mask that blocks nothing.
    static func spawn(_ command: Command) throws -> ChildProcess {
        try ChildProcess.spawn(command, signalMask: SignalMask.empty, as: "test")
    }

    /// Reaps `child` once it has ended (only that child: the test runner has children of its own). A child that
    /// outlives ``patience`` is killed, and the test fails.
    static func exit(
        of child: ChildProcess,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ChildExit {
        let deadline = ContinuousClock.now + patience
        while ContinuousClock.now < deadline {
            if let status = Reaper.reap(child) { return status }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("pid \(child.pid) outlived the hang guard", sourceLocation: sourceLocation)
        child.send(SIGKILL)
        var status: Int32 = 0
        waitpid(child.pid, &status, 0)
        return ChildExit(waitStatus: status)
    }

    /// Waits until `condition` holds; false (and the test fails) when it did not within ``patience``.
    @discardableResult
    static func wait(
        until condition: () -> Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + patience
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("the condition never held", sourceLocation: sourceLocation)
        return false
    }

    /// The text of the file at `path` ("" when it does not exist yet).
    static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    /// Runs `body` with a fresh private directory, removed afterwards.
    static func withDirectory(_ body: (String) throws -> Void) throws {
        let directory = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(directory)
    }
}
