import CfgRotation
import Foundation
import Testing

/// A lock holder is gone only when it certainly ran on this machine, in this PID namespace, and its PID is free.
struct LockHolderProbeTests {
    /// The owner string a finished child process would have written.
    static func ownerOfAFinishedProcess() throws -> String {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let mine = LockHolderProbe.owner(random: "00000000").split(separator: "/", omittingEmptySubsequences: false)
        return "\(mine[0])/\(child.processIdentifier)/deadbeef/\(mine[3])"
    }

    @Test func thisProcessIsAlive() {
        #expect(!LockHolderProbe.isGone(LockHolderProbe.owner(random: "0badc0de")))
    }

    @Test func aFinishedProcessOnThisMachineIsGone() throws {
        #expect(LockHolderProbe.isGone(try Self.ownerOfAFinishedProcess()))
    }

    @Test func anotherHostAnotherNamespaceOrAnOldFormatCountsAsAlive() throws {
        let dead = try Self.ownerOfAFinishedProcess().split(separator: "/", omittingEmptySubsequences: false)
        #expect(!LockHolderProbe.isGone("other-host/\(dead[1])/deadbeef/\(dead[3])"))
        #expect(!LockHolderProbe.isGone("\(dead[0])/\(dead[1])/deadbeef/pid:[1]"))
        #expect(!LockHolderProbe.isGone("\(dead[0])/\(dead[1])/deadbeef"))
        #expect(!LockHolderProbe.isGone("runner-a"))
    }
}
